import { spawnSync } from "child_process";
import * as fs from "fs";

/**
 * Why the SSH agent named by SSH_AUTH_SOCK is unusable, or undefined when it is unset or answers.
 *
 * The Command provider dials the agent before every SSH connection and aborts on error, with no retry
 * and no fallback to the private key it was given. pulumi-command v1.2.1,
 * provider/pkg/provider/remote/connection_unix.go:12-20 (`os.Getenv("SSH_AUTH_SOCK") != ""`, then
 * `net.Dial("unix", path)`) and connection.go:131-142:
 *     sshAgentSocketPath = tryGetDefaultAgentSocket()
 *     if sshAgentSocketPath != nil {
 *         conn, err := dialAgent(*sshAgentSocketPath)
 *         if err != nil {
 *             return nil, err
 *     ...
 * That error comes out of SSHConfig(), before dialWithRetry, so a stale socket (an agent that died, a
 * forwarded agent from an SSH session that ended) fails every device and the monitoring host at once.
 */
export function sshAgentProblem(socketPath: string | undefined): string | undefined {
    if (!socketPath) return undefined;
    const fix = `The command provider connects to the agent before every SSH connection and fails all of them when it cannot. Start an agent (eval "$(ssh-agent)") or unset the variable for this run (env -u SSH_AUTH_SOCK pulumi up).`;
    let stat: fs.Stats;
    try {
        stat = fs.statSync(socketPath);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "which does not exist" : `which cannot be read (${code})`;
        return `SSH_AUTH_SOCK is set to ${socketPath}, ${why}. ${fix}`;
    }
    if (!stat.isSocket()) return `SSH_AUTH_SOCK is set to ${socketPath}, which is not a socket. ${fix}`;
    const refused = connectError(socketPath);
    if (refused) return `SSH_AUTH_SOCK is set to ${socketPath}, but no agent answers there (${refused}). ${fix}`;
    return undefined;
}

/** The program is synchronous up to its first resource, so the connect runs in a short child process. */
const CONNECT = `
const s = require("net").connect(process.argv[1]);
s.on("connect", () => { s.destroy(); process.exit(0); });
s.on("error", (e) => { process.stdout.write(e.code || e.message); process.exit(1); });
setTimeout(() => { process.stdout.write("no answer within 5 s"); process.exit(1); }, 5000).unref();
`;

function connectError(socketPath: string): string | undefined {
    const r = spawnSync(process.execPath, ["-e", CONNECT, socketPath], { encoding: "utf8", timeout: 10_000 });
    if (r.status === 0) return undefined;
    return r.stdout.trim() || r.error?.message || `exit ${r.status}`;
}
