import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { retryWaits } from "../infra/device/dialBudget";

/** The Command provider's connection, as the program passes it. */
export interface Connection {
    readonly host: string;
    readonly port?: number;
    readonly user?: string;
    readonly privateKey?: string;
    readonly password?: string;
    readonly hostKey?: string;
    readonly perDialTimeout?: number;
    readonly dialErrorLimit?: number;
    readonly proxy?: Connection;
}

export interface SshResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

/**
 * OpenSSH options equivalent to the provider's Go client for one hop: the pinned host key is the only
 * one accepted (strict checking against a known_hosts file holding just that key), the key from the
 * connection is the only identity, and one dial bounded by perDialTimeout (sshRunDialing retries).
 */
function hopOptions(conn: Connection, dir: string, tag: string): string[] {
    if (conn.password !== undefined && conn.privateKey === undefined) {
        throw new Error(`${conn.host}: the lab replays key-based connections only (password auth needs an interactive client)`);
    }
    const port = conn.port ?? 22;
    const opts = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-o", "GlobalKnownHostsFile=/dev/null"];
    if (conn.privateKey) {
        const key = path.join(dir, `${tag}.key`);
        fs.writeFileSync(key, conn.privateKey.endsWith("\n") ? conn.privateKey : `${conn.privateKey}\n`, { mode: 0o600 });
        opts.push("-i", key);
    }
    if (conn.hostKey) {
        const knownHosts = path.join(dir, `${tag}.known_hosts`);
        const hostPattern = port === 22 ? conn.host : `[${conn.host}]:${port}`;
        fs.writeFileSync(knownHosts, `${hostPattern} ${conn.hostKey}\n`);
        opts.push("-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`);
    } else {
        opts.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null");
    }
    // One TCP connect per ssh process: the retries, with the provider's waits, are sshRunDialing's.
    opts.push("-o", `ConnectTimeout=${conn.perDialTimeout ?? 15}`, "-o", "ConnectionAttempts=1");
    opts.push("-p", String(port), "-l", conn.user ?? "root");
    return opts;
}

function quoteForProxyCommand(args: string[]): string {
    return args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
}

/** Runs `command` on the device over SSH (through the bastion if any), feeding `stdin`. */
export function sshRun(
    conn: Connection,
    command: string,
    stdin?: string | Buffer,
    opts: { onLine?: (line: string) => void; killWhen?: (line: string) => boolean; verbose?: boolean } = {},
): Promise<SshResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-ssh-"));
    const started = Date.now();
    try {
        // ssh keeps the first value given for an option: VERBOSE here wins over hopOptions' ERROR.
        const args = [...(opts.verbose ? ["-o", "LogLevel=VERBOSE"] : []), ...hopOptions(conn, dir, "target")];
        if (conn.proxy) {
            const jump = ["ssh", ...hopOptions(conn.proxy, dir, "bastion"), "-W", "%h:%p", conn.proxy.host];
            args.push("-o", `ProxyCommand=${quoteForProxyCommand(jump)}`);
        }
        args.push(conn.host, command);
        return new Promise((resolve, reject) => {
            const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            let pending = "";
            child.stdout.on("data", (d: Buffer) => {
                stdout += d;
                pending += d;
                const lines = pending.split("\n");
                pending = lines.pop() ?? "";
                for (const l of lines) {
                    opts.onLine?.(l);
                    // Simulates a connection cut mid-way (the deployer's laptop closing, a link dropping).
                    if (opts.killWhen?.(l)) child.kill("SIGKILL");
                }
            });
            child.stderr.on("data", (d: Buffer) => (stderr += d));
            child.on("error", reject);
            child.on("close", (code) => {
                fs.rmSync(dir, { recursive: true, force: true });
                resolve({ code: code ?? 255, stdout, stderr, seconds: (Date.now() - started) / 1000 });
            });
            child.stdin.on("error", () => undefined);
            child.stdin.end(stdin ?? "");
        });
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

/**
 * Copies a local file to the device as the provider's CopyToRemote does: over SFTP (the device must
 * serve the sftp subsystem), creating the parent directory first, then the file. pulumi-command v1.2.1
 * provider/pkg/provider/remote/copyController.go:179 `sftp.NewClient(client, ...)`, :262
 * `sftpClient.MkdirAll(filepath.Dir(dest))`, :278 `sftp.Create(dst)`. A relative path is relative to
 * the SSH user's home directory, where the SFTP server starts.
 */
export function sshCopy(conn: Connection, localPath: string, remotePath: string): Promise<SshResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-sftp-"));
    const started = Date.now();
    try {
        // sftp takes ssh's options, except that -p and -l are spelled as -o Port= and -o User= there.
        const hop = hopOptions(conn, dir, "target");
        const args: string[] = [];
        for (let i = 0; i < hop.length; i++) {
            if (hop[i] === "-p") args.push("-o", `Port=${hop[++i]}`);
            else if (hop[i] === "-l") args.push("-o", `User=${hop[++i]}`);
            else args.push(hop[i]);
        }
        if (conn.proxy) {
            const jump = ["ssh", ...hopOptions(conn.proxy, dir, "bastion"), "-W", "%h:%p", conn.proxy.host];
            args.push("-o", `ProxyCommand=${quoteForProxyCommand(jump)}`);
        }
        const parent = path.posix.dirname(remotePath);
        const quote = (p: string) => `"${p.replace(/(["\\])/g, "\\$1")}"`;
        // "-" before mkdir: an existing directory is fine, as for MkdirAll.
        const batch = `${parent === "." ? "" : `-mkdir ${quote(parent)}\n`}put ${quote(localPath)} ${quote(remotePath)}\n`;
        args.push("-b", "-", conn.host);
        return new Promise((resolve, reject) => {
            const child = spawn("sftp", args, { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d));
            child.stderr.on("data", (d: Buffer) => (stderr += d));
            child.on("error", reject);
            child.on("close", (code) => {
                fs.rmSync(dir, { recursive: true, force: true });
                resolve({ code: code ?? 255, stdout, stderr, seconds: (Date.now() - started) / 1000 });
            });
            child.stdin.end(batch);
        });
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

/** The provider's default when a connection does not say (pulumi-command v1.2.1 connection.go:32 `dialErrorDefault = 10`). */
const PROVIDER_DEFAULT_DIAL_ERROR_LIMIT = 10;

/** Lines OpenSSH prints at LogLevel VERBOSE that are not the server's or the command's. */
const VERBOSE_LINES = /^(Authenticated to |Transferred: sent |Bytes per second: |Server accepts key: |Authenticated using |Will attempt key: |Offering public key: |Connection established|Remote: |Authentications that can continue: |Connecting to |Connection to .* closed\.)/;

/**
 * Splits ssh's stderr into what OpenSSH logged at VERBOSE and the rest, and tells whether the login
 * succeeded, i.e. whether the provider's Dial would have returned a client.
 */
function dialPart(stderr: string): { authenticated: boolean; stderr: string } {
    const lines = stderr.split("\n");
    return {
        authenticated: lines.some((l) => l.startsWith("Authenticated to ")),
        stderr: lines.filter((l) => !VERBOSE_LINES.test(l.replace(/\r$/, ""))).join("\n"),
    };
}

/**
 * Runs `command` as the provider does: first Dial, retried on every error (refused, timed out, wrong
 * host key, refused login) `dialErrorLimit + 1` times in all with the provider's waits between dials
 * (infra/device/dialBudget.ts quotes the upstream loop), then one session that is never retried.
 * A dial counts as done once OpenSSH reports the login. Through a bastion each dial goes through the
 * jump again; the provider dials the bastion once (with its own retries) and retries only the hop
 * behind it, so here a failing bastion uses up the device's dials.
 */
export async function sshRunDialing(
    conn: Connection,
    command: string,
    stdin?: string | Buffer,
    opts: { onLine?: (line: string) => void; killWhen?: (line: string) => boolean } = {},
): Promise<SshResult & { dials: number }> {
    const limit = conn.dialErrorLimit ?? PROVIDER_DEFAULT_DIAL_ERROR_LIMIT;
    const waits = retryWaits(Math.max(0, limit));
    const started = Date.now();
    for (let dials = 1; ; dials++) {
        const r = await sshRun(conn, command, stdin, { ...opts, verbose: true });
        const { authenticated, stderr } = dialPart(r.stderr);
        if (authenticated || (limit >= 0 && dials > limit)) {
            return { ...r, stderr, dials, seconds: (Date.now() - started) / 1000 };
        }
        await new Promise((resolve) => setTimeout(resolve, (waits[dials - 1] ?? 5) * 1000));
    }
}
