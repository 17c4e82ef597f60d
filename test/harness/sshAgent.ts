import { ChildProcess, spawn } from "child_process";

/** A real ssh-agent (OpenSSH) listening on `socketPath`, started in the foreground so its PID is ours. */
export async function startSshAgent(socketPath: string): Promise<ChildProcess> {
    const agent = spawn("ssh-agent", ["-D", "-a", socketPath], { stdio: ["ignore", "pipe", "pipe"] });
    // ssh-agent prints its SSH_AUTH_SOCK line once the socket is bound.
    await new Promise<void>((resolve, reject) => {
        agent.stdout!.once("data", () => resolve());
        agent.once("error", reject);
        agent.once("exit", (code) => reject(new Error(`ssh-agent exited ${code}`)));
    });
    return agent;
}

/** Kills the agent the way a crash or a closed session does: no cleanup, the socket file stays behind. */
export async function killSshAgent(agent: ChildProcess): Promise<void> {
    if (agent.exitCode !== null || agent.signalCode !== null) return;
    const exited = new Promise((resolve) => agent.once("exit", resolve));
    agent.kill("SIGKILL");
    await exited;
}
