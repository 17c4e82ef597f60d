import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { allRegistered, captureWarnings, PROJECT, recordResources, ROOT, stackConfig, MockRun } from "../harness";
import { deviceResourceNames, STACK_RESOURCES } from "../../infra/program/stack";

/** Runs the real entry point with the shipped endpoints.yaml and Pulumi.dev.yaml, as `pulumi up` on dev would. */
describe("the entry point under mocks with the dev stack", () => {
    let run: MockRun;
    let program: { deviceCount: number; sites: Record<string, string[]> };
    let warnings: string[];
    const cwd = process.cwd();

    beforeAll(async () => {
        process.chdir(ROOT);
        run = await recordResources("dev");
        pulumi.runtime.setAllConfig(
            { ...stackConfig(), [`${PROJECT}:deviceSshKey`]: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----\n" },
            [`${PROJECT}:deviceSshKey`],
        );
        const captured = captureWarnings();
        try {
            program = await import(path.join(ROOT, "infra", "index"));
            await allRegistered();
        } finally {
            captured.restore();
        }
        warnings = captured.messages;
    });

    it("warns, and only warns, that the dev stack's AMI is not pinned (its collector's Prometheus checksum ships)", () => {
        expect([...warnings].sort()).toEqual([
            expect.stringMatching(/amiId is not pinned; using Ubuntu's current ami-0123456789abcdef0\. Pin it: pulumi config set amiId ami-0123456789abcdef0$/),
        ]);
    });
    afterAll(() => process.chdir(cwd));

    it("installs the example fleet's collector with the shipped Prometheus digest for its arch, no operator file needed", () => {
        const stdin = run.named(STACK_RESOURCES.collector("nhv-offshore").agent).inputs.stdin as string;
        expect(stdin).toContain("version=3.13.1\n");
        expect(stdin).toMatch(/\nchecksums=(?:\S+ )*amd64=962b812371aff838d152b6ff2d56fdb7a6396f5542f48ebf73421b9721f0d103[ \n]/);
    });

    it("loads every device of the shipped fleet", () => {
        expect(program.deviceCount).toBe(9);
        expect(Object.keys(program.sites).sort()).toEqual(["nhv-offshore", "nhv-onshore"]);
        expect(program.sites["nhv-offshore"]).toContain("wtg-a01-ctrl");
    });

    it("gives every device its node_exporter command, named after the device, and the collector site its agent", () => {
        const onHost: string[] = [STACK_RESOURCES.host.ready, STACK_RESOURCES.hostConfiguration.system, STACK_RESOURCES.hostConfiguration.files, STACK_RESOURCES.scrapeTargets.file, STACK_RESOURCES.grafanaAdmin.reset];
        const commands = run.byType("command:remote:Command").map((r) => r.name).filter((n) => !onHost.includes(n)).sort();
        // And the agent of the example fleet's one collector site (sites.nhv-offshore.collector).
        expect(commands).toEqual([...Object.values(program.sites).flat().map((n) => deviceResourceNames(n).install), STACK_RESOURCES.collector("nhv-offshore").agent].sort());
    });
});
