import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { Fleet } from "../../infra/fleet/types";
import { loadChecksums } from "../../infra/device/checksums";
import { allRegistered, DEFAULT_SETTINGS_FOR_TESTS, recordResources, MockRun } from "../harness";
import { device, HEAD, KEY_B } from "../fleet/malformedCases";
import { worstCaseDialSeconds } from "../../infra/device/dialBudget";
import * as fs from "fs";
import * as path from "path";
import { DROPBEAR_MAX_CMD_LEN } from "../../infra/device/deviceCommands";
import { deviceResourceNames } from "../../infra/program/stack";
const WTG01 = deviceResourceNames("wtg-01");
const WTG02 = deviceResourceNames("wtg-02");

const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n";
const checksums = loadChecksums();

function fleetOf(text: string): Fleet {
    const r = parseFleet(text, { file: "endpoints.yaml", checksums });
    if (!r.fleet) throw new Error(JSON.stringify(r.problems));
    return r.fleet;
}

async function build(fleet: Fleet): Promise<MockRun> {
    const run = await recordResources();
    const { buildStack } = await import("../../infra/program/stack");
    buildStack({
        // As the dev stack: the example fleet's offshore site has a collector, which sends from these networks.
        settings: { ...DEFAULT_SETTINGS_FOR_TESTS, dialTimeoutSeconds: 60, collectorSourceCidrs: ["198.51.100.0/24"] },
        fleet,
        checksums,
        secrets: new Map([
            ["deviceSshKey", pulumi.secret(SSH_KEY)],
            ["jumpKey", pulumi.secret("jump-key-material")],
        ]),
    });
    await allRegistered();
    return run;
}

const BASTION = `    ssh:
      bastion:
        address: 198.51.100.20
        user: jump
        privateKeySecret: jumpKey
        hostKey: ${KEY_B}
`;

describe("device resources", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await build(fleetOf(HEAD + device("wtg-01", "10.0.0.1", "    arch: arm64\n") + device("wtg-02", "10.0.0.2", BASTION, KEY_B)));
    });

    it("installs with create, uninstalls with delete, and re-runs create on update; the scripts and their arguments travel on stdin", () => {
        const cmd = run.named(WTG01.install);
        expect(cmd.inputs.create).toMatch(/sh -c "\$b" install$/m);
        expect(cmd.inputs.delete).toMatch(/sh -c "\$b" uninstall$/m);
        expect(cmd.inputs.update).toBeUndefined();
        const stdin = cmd.inputs.stdin as string;
        expect(stdin).toMatch(/^@@script install\n#!\/bin\/sh\n/);
        expect(stdin).toContain("\n@@script uninstall\n#!/bin/sh\n");
        const args = stdin.split("\n@@args\n")[1].split("\n@@payload\n")[0].split("\n");
        expect(args).toEqual(expect.arrayContaining(["device=wtg-01", `owner=test/${WTG01.install}`, "version=1.12.1", "port=9100", "arch=arm64", "source=download", "take_over=no"]));
        expect(args).toContain("checksums=arm64=ad35b605f9954b9f1ffddf5ba054bdc5a98d790b9eae5291e1eeb83f1ecbd0e7");
    });

    it("pins the host key and bounds dialing to the default minute, by the provider's own retry schedule", () => {
        const conn = run.named(WTG01.install).inputs.connection as Record<string, unknown>;
        expect(conn).toMatchObject({ host: "10.0.0.1", port: 22, user: "iiotmon", hostKey: expect.stringMatching(/^ssh-ed25519 AAAA/) });
        const settings = { perDialTimeout: conn.perDialTimeout as number, dialErrorLimit: conn.dialErrorLimit as number };
        expect(worstCaseDialSeconds(settings)).toBeLessThanOrEqual(60);
        expect(worstCaseDialSeconds(settings)).toBeGreaterThanOrEqual(45);
        // The bastion hop gets the same bound as a direct dial.
        const proxy = (run.named(WTG02.install).inputs.connection as Record<string, Record<string, unknown>>).proxy;
        expect({ perDialTimeout: proxy.perDialTimeout, dialErrorLimit: proxy.dialErrorLimit }).toEqual(settings);
    });

    it("reaches a device behind a bastion through the provider's proxy, both host keys pinned", () => {
        const conn = run.named(WTG02.install).inputs.connection as Record<string, Record<string, unknown>>;
        expect(conn.proxy).toMatchObject({ host: "198.51.100.20", port: 22, user: "jump", privateKey: "jump-key-material", hostKey: KEY_B });
    });

    it("keeps every secret secret: connection and stdin are secret, the command text holds none", () => {
        for (const name of [WTG01.install, WTG02.install]) {
            const cmd = run.named(name);
            expect(cmd.secretPaths).toEqual(expect.arrayContaining(["connection", "stdin"]));
            const stdin = cmd.inputs.stdin as string;
            expect(stdin).toContain("\n@@payload\n@@file web-config.yml\n");
            expect(stdin).toContain("-----BEGIN PRIVATE KEY-----");
            expect(stdin).toContain("@@password\npw-scrape-scrape-password-0123456789abcdef\n@@end\n");
            for (const field of ["create", "delete", "triggers", "environment"]) {
                const text = JSON.stringify(cmd.inputs[field] ?? "");
                expect(text).not.toContain("secret-key-material");
                expect(text).not.toContain("pw-scrape");
                expect(text).not.toContain("BEGIN PRIVATE KEY");
            }
            expect(cmd.inputs.environment).toBeUndefined();
        }
    });

    it("never replaces a device's command: a new address, user or bastion is an update at the new connection", () => {
        // Only `triggers` replace a remote Command (pulumi-command v1.2.1 provider/pkg/provider/common/inputs.go:10);
        // with none, a changed connection is an update, which runs create there and deletes nothing.
        for (const name of [WTG01.install, WTG02.install]) {
            expect(run.named(name).inputs.triggers).toBeUndefined();
        }
    });

    it("gives each device a certificate for its address, signed by the stack's CA", () => {
        const csr = run.named(WTG01.tlsCsr);
        expect(csr.inputs).toMatchObject({ dnsNames: ["wtg-01"], ipAddresses: ["10.0.0.1"] });
        const cert = run.named(WTG01.tlsCert);
        expect(cert.inputs.caCertPem).toMatch(/mock-scrape-ca/);
        expect(cert.inputs.allowedUses).toContain("server_auth");
    });

    it("puts the bcrypt hash, never the password, in the device's web config", () => {
        const stdin = run.named(WTG01.install).inputs.stdin as string;
        const webConfig = stdin.split("\n@@payload\n")[1].split("@@file tls.crt")[0];
        expect(webConfig).toContain('prometheus: "$2a$10$mock.hash.for.scrape-scrape-password');
        expect(webConfig).not.toContain("pw-scrape");
    });
});

describe("the example fleet's command lines", () => {
    it("stay far below Dropbear's 9,000-byte exec limit for every create, update and delete of every device", async () => {
        const text = fs.readFileSync(path.join(__dirname, "..", "..", "endpoints.yaml"), "utf8");
        const fleet = fleetOf(text.replace(/privateKeySecret: \S+/g, "privateKeySecret: deviceSshKey").replace(/passwordSecret: \S+/g, "privateKeySecret: deviceSshKey"));
        const run = await build(fleet);
        const onDevices: string[] = fleet.devices.map((d) => deviceResourceNames(d.name).install);
        const commands = run.byType("command:remote:Command").filter((c) => onDevices.includes(c.name));
        expect(commands).toHaveLength(fleet.devices.length);
        const LIMIT = 1024; // a ninth of Dropbear's limit: room for whatever the bootstrap may need later
        expect(LIMIT * 8).toBeLessThan(DROPBEAR_MAX_CMD_LEN);
        for (const c of commands) {
            for (const field of ["create", "update", "delete"]) {
                const line = (c.inputs[field] ?? c.inputs.create) as string;
                expect([c.name, field, Buffer.byteLength(line) <= LIMIT]).toEqual([c.name, field, true]);
            }
            // The installer alone is bigger than the limit: it must be on stdin, not in the command.
            expect(Buffer.byteLength(c.inputs.stdin as string)).toBeGreaterThan(DROPBEAR_MAX_CMD_LEN);
        }
    });
});
