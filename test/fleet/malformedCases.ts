/** Shared pieces of the malformed-fleet cases: a valid frame to break one thing at a time. */
export const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDJOWB60hJwM3eJ+kxaC3QYdsXnBJe+s40kZiKj0te3Y";
export const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKDry3Z0EQFTjqvGD31667R679vpOE31Km5Aij5X1DPn";

/** Lines 1-9: header, defaults and one site; devices start on line 10. */
export const HEAD = `version: 1
defaults:
  ssh:
    user: iiotmon
    privateKeySecret: deviceSshKey
sites:
  north:
    region: north-sea
devices:
`;

/** A valid device block of four lines, indented as an item of `devices:`. */
export function device(name: string, address: string, extra = "", key = KEY_A): string {
    return `  - name: ${name}\n    address: ${address}\n    site: north\n    hostKey: ${key}\n${extra}`;
}
