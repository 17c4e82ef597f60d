import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sshAgentProblem } from "../../infra/program/sshAgentSocket";
import { killSshAgent, startSshAgent } from "../harness";

/**
 * The Command provider dials SSH_AUTH_SOCK before every connection and aborts on error
 * (pulumi-command v1.2.1, provider/pkg/provider/remote/connection.go:138-142 `conn, err :=
 * dialAgent(*sshAgentSocketPath); if err != nil { return nil, err }`, connection_unix.go:13 and 20). The
 * program must therefore refuse, up front, a set agent socket that does not answer, and accept a live one.
 */
describe("the SSH agent socket", () => {
    let dir: string;
    beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-"))));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is not checked when SSH_AUTH_SOCK is unset or empty, as the provider ignores it then", () => {
        expect(sshAgentProblem(undefined)).toBeUndefined();
        expect(sshAgentProblem("")).toBeUndefined();
    });

    it("accepts a real, listening ssh-agent", async () => {
        const sock = path.join(dir, "live.sock");
        const agent = await startSshAgent(sock);
        try {
            // It is a real agent: ssh-add talks to it (exit 1: no identities).
            expect(spawnSync("ssh-add", ["-l"], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status).toBe(1);
            expect(sshAgentProblem(sock)).toBeUndefined();
        } finally {
            await killSshAgent(agent);
        }
    });

    it("refuses the socket of an agent that died, with what to do", async () => {
        const sock = path.join(dir, "stale.sock");
        await killSshAgent(await startSshAgent(sock));
        expect(fs.statSync(sock).isSocket()).toBe(true);
        // What the provider would meet: ssh-add cannot connect either (exit 2).
        expect(spawnSync("ssh-add", ["-l"], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status).toBe(2);
        expect(sshAgentProblem(sock)).toBe(
            `SSH_AUTH_SOCK is set to ${sock}, but no agent answers there (ECONNREFUSED). The command provider connects to the agent before every SSH connection and fails all of them when it cannot. Start an agent (eval "$(ssh-agent)") or unset the variable for this run (env -u SSH_AUTH_SOCK pulumi up).`,
        );
    });

    it("refuses a path that is gone (a forwarded agent of a closed session)", () => {
        const sock = path.join(dir, "ssh-XXXX", "agent.1234");
        expect(sshAgentProblem(sock)).toMatch(new RegExp(`^SSH_AUTH_SOCK is set to ${sock}, which does not exist\\. The command provider connects`));
    });

    it("refuses a path that is not a socket", () => {
        const file = path.join(dir, "plain-file");
        fs.writeFileSync(file, "");
        expect(sshAgentProblem(file)).toMatch(/, which is not a socket\. .*env -u SSH_AUTH_SOCK pulumi up/);
    });
});
