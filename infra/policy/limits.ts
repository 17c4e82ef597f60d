/**
 * Limits the real world enforces, shared by the program and its policy pack. Kept free of imports so
 * the policy pack runs from its own directory.
 */

/**
 * AWS's limit on EC2 user data: "User data is limited to 16 KB, in raw form, before it is
 * base64-encoded" (Amazon EC2 User Guide, "Run commands when you launch an EC2 instance with user data
 * input"). 16 KB = 16,384 bytes.
 */
export const USER_DATA_LIMIT_BYTES = 16_384;

/**
 * Dropbear, the SSH server of many embedded gateways, refuses an exec request whose command is longer
 * than MAX_CMD_LEN (dropbear sysoptions.h: `#define MAX_CMD_LEN 9000`, checked in svr-chansession.c
 * sessioncommand()); measured on Debian's dropbear in LAB-NOTES.md.
 */
export const REMOTE_COMMAND_LIMIT_BYTES = 9_000;

/**
 * Host-key types the command provider can verify on today's SSH servers. The provider pins the
 * host-key algorithms to the pinned key's type (pulumi-command provider/pkg/provider/remote/connection.go:
 * `hostKeyAlgorithms = []string{publicKey.Type()}`), so an `ssh-rsa` key makes the Go client ask for
 * SHA-1 `ssh-rsa` signatures, which OpenSSH 8.8 and later refuse (OpenSSH 8.8 release notes).
 */
export const USABLE_HOST_KEY_TYPES: readonly string[] = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];
