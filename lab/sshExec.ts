import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

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
 * connection is the only identity, and dialing is bounded like perDialTimeout x dialErrorLimit.
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
    opts.push("-o", `ConnectTimeout=${conn.perDialTimeout ?? 15}`, "-o", `ConnectionAttempts=${conn.dialErrorLimit ?? 10}`);
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
    opts: { onLine?: (line: string) => void; killWhen?: (line: string) => boolean } = {},
): Promise<SshResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-ssh-"));
    const started = Date.now();
    try {
        const args = hopOptions(conn, dir, "target");
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
