import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { allRegistered, captureWarnings, PROJECT, recordResources, ROOT, stackConfig, MockRun, killSshAgent, startSshAgent } from "../harness";
import { UserError } from "../../infra/common";
import { loadProgramInputs } from "../../infra/program/programInputs";
import { forPulumi } from "../../infra/program/userErrors";
import { device, HEAD } from "../fleet/malformedCases";
import { deviceResourceNames } from "../../infra/program/stack";

/** The entry point must refuse bad input before registering anything, with a message a person can act on. */
async function runEntryPoint(config: Record<string, string>, secretKeys: string[] = []): Promise<{ error?: Error; run: MockRun; warnings: string[] }> {
    const run = await recordResources("dev");
    pulumi.runtime.setAllConfig(config, secretKeys);
    let error: Error | undefined;
    const captured = captureWarnings();
    try {
        await jest.isolateModulesAsync(async () => {
            try {
                await import(path.join(ROOT, "infra", "index"));
            } catch (e) {
                error = e as Error;
            }
        });
        // A refusal while wiring comes after some resources: let their registrations finish within the test.
        await allRegistered();
    } finally {
        captured.restore();
    }
    return { error, run, warnings: captured.messages };
}

describe("the entry point refuses bad input", () => {
    // Each run re-imports the program with its own copy of the Pulumi runtime, which adds listeners to
    // the process's exit: six runs add more than Node's default of ten, and none of them is a leak.
    const listeners = process.getMaxListeners();
    beforeAll(() => process.setMaxListeners(40));
    afterAll(() => process.setMaxListeners(listeners));
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
        const text = fs.readFileSync(path.join(ROOT, "endpoints.yaml"), "utf8").replace("arch: arm64", "arch: aarch64");
        fs.writeFileSync(file, text);
        const lines = text.split("\n");
        const line = lines.findIndex((l) => l.includes("arch: aarch64")) + 1;
        const column = lines[line - 1].indexOf("aarch64") + 1;
        const { error, run } = await runEntryPoint(
            { ...stackConfig(), [`${PROJECT}:fleetFile`]: file, [`${PROJECT}:deviceSshKey`]: "k" },
            [`${PROJECT}:deviceSshKey`],
        );
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect(error?.message).toContain(`${file}:${line}:${column}: devices[5].arch "aarch64" is not a supported arch; use one of auto, amd64, arm64, armv7, armv6, 386`);
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

    it("names a pushed release tarball that is not on the deployer's machine, without a stack trace", async () => {
        const file = path.join(dir, "push.yaml");
        fs.writeFileSync(file, HEAD + device("wtg-push", "10.0.0.9", "    arch: arm64\n    nodeExporter: {source: push}\n"));
        const tarballs = fs.mkdtempSync(path.join(dir, "tarballs-"));
        const { error, run, warnings } = await runEntryPoint(
            { ...stackConfig(), [`${PROJECT}:fleetFile`]: file, [`${PROJECT}:nodeExporterTarballDir`]: tarballs, [`${PROJECT}:deviceSshKey`]: "k" },
            [`${PROJECT}:deviceSshKey`],
        );
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect(error?.message).toMatch(new RegExp(`^device wtg-push \\(source: push\\): ${tarballs}/node_exporter-[0-9.]+\\.linux-arm64\\.tar\\.gz is missing; download the release tarball`));
        const ofDevice: string[] = Object.values(deviceResourceNames("wtg-push"));
        expect(run.resources.filter((r) => ofDevice.includes(r.name))).toEqual([]);
        // The dev stack leaves its AMI unpinned; the host was being wired when the device stopped it.
        expect(warnings).toEqual([expect.stringContaining("amiId is not pinned")]);
    });

    it("refuses a production stack without a pinned AMI, by its key", async () => {
        const { error } = await runEntryPoint({ ...stackConfig(), [`${PROJECT}:testStack`]: "false", [`${PROJECT}:deviceSshKey`]: "k" }, [`${PROJECT}:deviceSshKey`]);
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect(error?.message).toMatch(/^iiot-monitoring:amiId is required on a production stack/);
    });
});

describe("a bug is not a user error", () => {
    it("keeps its own type and stack trace through the entry point's error handling", () => {
        // A config reader with a bug in it: it dereferences undefined while the settings are read.
        const missing = undefined as unknown as { value: string };
        const broken = { name: PROJECT, get: () => missing.value, getSecret: () => undefined } as unknown as pulumi.Config;
        let thrown: unknown;
        try {
            loadProgramInputs(broken);
        } catch (e) {
            thrown = e;
        }
        expect(thrown).toBeInstanceOf(TypeError);
        expect(pulumi.RunError.isInstance(thrown)).toBe(false);
        expect((thrown as Error).stack).toMatch(/at .*programInputs\.ts/);
    });

    it("becomes a RunError only when it is the user's to fix", () => {
        const user = forPulumi(new UserError("the fleet file has 1 error(s)"));
        expect(pulumi.RunError.isInstance(user)).toBe(true);
        expect((user as Error).message).toBe("the fleet file has 1 error(s)");
        // A UserError from another copy of the module (a test's isolated registry) is still one.
        const copy = Object.assign(new Error("x"), { [Symbol.for("iiotmon:UserError")]: true });
        expect(pulumi.RunError.isInstance(forPulumi(copy))).toBe(true);
        const bug = new RangeError("Invalid array length");
        expect(forPulumi(bug)).toBe(bug);
    });
});
