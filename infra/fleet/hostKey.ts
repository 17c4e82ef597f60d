/** SSH host key types the Command provider's Go SSH client verifies. */
export const HOST_KEY_TYPES = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
] as const;

export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

export interface HostKey {
    readonly type: HostKeyType;
    /** The base64 blob, exactly as in the device's `/etc/ssh/ssh_host_*_key.pub`. */
    readonly blob: string;
}

/** Returns the parsed key, or the reason it is unusable, phrased for a person fixing endpoints.yaml. */
export function parseHostKey(text: string): HostKey | string {
    const parts = text.trim().split(/\s+/);
    if (parts.length < 2) {
        return 'must be "<type> <base64>" as in the device\'s /etc/ssh/ssh_host_ed25519_key.pub (ssh-keyscan prints it too)';
    }
    const [type, blob] = parts;
    if (!(HOST_KEY_TYPES as readonly string[]).includes(type)) {
        return `has key type "${type}", which is not supported; use one of ${HOST_KEY_TYPES.join(", ")}`;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) {
        return "has a key that is not valid base64; copy the whole second field of the .pub file";
    }
    const bytes = Buffer.from(blob, "base64");
    if (bytes.length < 4) return "has a key blob that is too short to be an SSH key";
    const nameLength = bytes.readUInt32BE(0);
    if (nameLength > 64 || 4 + nameLength > bytes.length) {
        return "has a key blob that is not an SSH public key (its header is garbled)";
    }
    const inner = bytes.subarray(4, 4 + nameLength).toString("latin1");
    if (inner !== type) {
        return `says "${type}" but the key blob is an "${inner}" key; copy type and key from the same line`;
    }
    if (type === "ssh-ed25519") {
        const keyLengthAt = 4 + nameLength;
        if (bytes.length !== keyLengthAt + 4 + 32 || bytes.readUInt32BE(keyLengthAt) !== 32) {
            return "has an ssh-ed25519 key blob of the wrong length; the key was probably cut when copied";
        }
    }
    return { type: type as HostKeyType, blob };
}

/** `type blob` from an authorized_keys / .pub line, dropping its comment; no validation. */
export function withoutComment(line: string): string {
    return line.trim().split(/\s+/).slice(0, 2).join(" ");
}

/** The `type blob` form the provider and known_hosts expect, without the comment. */
export function formatHostKey(key: HostKey): string {
    return `${key.type} ${key.blob}`;
}
