import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, recordResources, ROOT, stackConfig, MockRun, killSshAgent, startSshAgent } from "../harness";

/** The entry point must refuse bad input before registering anything, with a message a person can act on. */
async function runEntryPoint(config: Record<string, string>, secretKeys: string[] = []): Promise<{ error?: Error; run: MockRun }> {
    const run = await recordResources("dev");
    pulumi.runtime.setAllConfig(config, secretKeys);
    let error: Error | undefined;
    await jest.isolateModulesAsync(async () => {
        try {
            await import(path.join(ROOT, "infra", "index"));
        } catch (e) {
            error = e as Error;
        }
    });
    return { error, run };
}

describe("the entry point refuses bad input", () => {
    const cwd = process.cwd();
    let dir: string;
    beforeAll(() => {
        process.chdir(ROOT);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "refusals-"));
    });
    afterAll(() => {
        process.chdir(cwd);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("names the missing secret and the devices that need it", async () => {
        const { error, run } = await runEntryPoint(stackConfig());
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect(error?.message).toBe(
            'the secret "deviceSshKey" (used by onshore-scada-gw-01, onshore-scada-gw-02, onshore-historian-01 and 6 more) is not set: pulumi config set --secret deviceSshKey < FILE',
        );
        expect(run.resources).toEqual([]);
    });

    it("prints every fleet error and registers nothing", async () => {
        const file = path.join(dir, "endpoints.yaml");
        fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, "endpoints.yaml"), "utf8").replace("arch: arm64", "arch: aarch64"));
        const { error, run } = await runEntryPoint(
            { ...stackConfig(), [`${PROJECT}:fleetFile`]: file, [`${PROJECT}:deviceSshKey`]: "k" },
            [`${PROJECT}:deviceSshKey`],
        );
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect(error?.message).toContain(`${file}:89:11: devices[5].arch "aarch64" is not a supported arch; use one of auto, amd64, arm64, armv7, armv6, 386`);
        expect(run.resources).toEqual([]);
    });

    it("stops before any resource when SSH_AUTH_SOCK names a dead agent", async () => {
        const sock = path.join(dir, "agent.sock");
        await killSshAgent(await startSshAgent(sock));
        const saved = process.env.SSH_AUTH_SOCK;
        process.env.SSH_AUTH_SOCK = sock;
        try {
            const { error, run } = await runEntryPoint({ ...stackConfig(), [`${PROJECT}:deviceSshKey`]: "k" }, [`${PROJECT}:deviceSshKey`]);
            expect(pulumi.RunError.isInstance(error)).toBe(true);
            expect(error?.message).toMatch(new RegExp(`^SSH_AUTH_SOCK is set to ${sock}, but no agent answers there \\(ECONNREFUSED\\)\\. .*unset the variable`));
            expect(run.resources).toEqual([]);
        } finally {
            if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
            else process.env.SSH_AUTH_SOCK = saved;
        }
    });

    it("names a bad stack setting by its key", async () => {
        const { error } = await runEntryPoint({ ...stackConfig(), [`${PROJECT}:adminCidrs`]: '["0.0.0.0/64"]' });
        expect(error?.message).toContain('iiot-monitoring:adminCidrs[0] "0.0.0.0/64" has a prefix longer than 32');
    });
});
