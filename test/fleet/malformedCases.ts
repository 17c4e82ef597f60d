/** Shared pieces of the malformed-fleet cases: a valid frame to break one thing at a time. */
export const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDJOWB60hJwM3eJ+kxaC3QYdsXnBJe+s40kZiKj0te3Y";
export const KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKDry3Z0EQFTjqvGD31667R679vpOE31Km5Aij5X1DPn";
/** A real 2048-bit RSA host key (ssh-keygen -t rsa), the kind validation must refuse. */
export const KEY_RSA =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQChoLv3VDiD5hMrhWiEgx8B+tr8H8QsMYkIPw5XWYVRtJgcX9cvfvMAOLXtvF090S8a1/ZgYk/4pw+Lx72Rh85mH4KRtIxSA33ZR2OjoY9F1lPcWF8eSm4dpWtAZqUAv5sXPE1TOxipdO7p1U0reHu3f6JZ+DqSVhSVuzOB5GKU5PeovRdUNx0/hMxQp6iOKKSan30PiAURZBfXNOMSYgP9cVGNSlucvpB9Nf4FHZSA4cUMzklqgCJST5nlESIJxM/4zfqZ0bq9T5q051e571jBvmlL0MpGpndqdpJbWq6Qc6EPE20mPfTGgZEzMBxRoox/tbYFuRTF4rInYfcl2EBt";

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
