/** SSH host key types recognised in the fleet file (ssh-rsa only to refuse it with the right advice). */
export const HOST_KEY_TYPES = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
] as const;

export type HostKeyType = (typeof HOST_KEY_TYPES)[number];

/** The types a pinned key can have and still work against current OpenSSH (see rsaHostKeyProblem). */
export const USABLE_HOST_KEY_TYPES: readonly HostKeyType[] = HOST_KEY_TYPES.filter((t) => t !== "ssh-rsa");

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
        return `has key type "${type}", which is not supported; use one of ${USABLE_HOST_KEY_TYPES.join(", ")}`;
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

/**
 * Why a pinned `ssh-rsa` host key cannot work, with the command that gets a usable one; undefined for
 * other key types.
 *
 * The Command provider restricts the host-key algorithms it offers to the pinned key's type
 * (pulumi-command v1.2.1, provider/pkg/provider/remote/connection.go:93-94:
 * `hostKeyCallback = ssh.FixedHostKey(publicKey)` / `hostKeyAlgorithms = []string{publicKey.Type()}`), and
 * for an RSA key `Type()` is "ssh-rsa", the SHA-1 signature algorithm (golang.org/x/crypto v0.48.0,
 * ssh/keys.go:40 `KeyAlgoRSA = "ssh-rsa"`; ssh/handshake.go:546 offers exactly that list). OpenSSH 8.8 and
 * later no longer accept ssh-rsa signatures, so the key exchange finds no common host-key algorithm.
 */
export function rsaHostKeyProblem(hostKey: string | undefined, address: string | undefined, port: number): string | undefined {
    if (!hostKey?.startsWith("ssh-rsa ")) return undefined;
    const target = `${port === 22 ? "" : `-p ${port} `}${address ?? "ADDRESS"}`;
    return (
        `is an ssh-rsa key, which cannot work: the command provider then offers only SHA-1 "ssh-rsa" signatures, ` +
        `which OpenSSH 8.8 and later refuse; pin the ed25519 or ECDSA key instead: \`ssh-keyscan -t ed25519 ${target}\` (or -t ecdsa)`
    );
}
