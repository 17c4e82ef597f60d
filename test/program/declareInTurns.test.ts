import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/device/checksums";
import { allRegistered, DEFAULT_SETTINGS_FOR_TESTS, generatedFleetYaml, MockRun, recordResources, settled } from "../harness";
import { DEVICES_PER_TURN } from "../../infra/program/declareInTurns";
import { NO_INSTALL_RESULT } from "../../infra/device";
import { deviceResourceNames } from "../../infra/program/stack";

/**
 * A large fleet's devices are declared a batch per event-loop turn (infra/program/declareInTurns.ts), so
 * the SDK is never holding every registration at once. What must not change: every device is declared,
 * with all of its resources, before the runtime ends the program; a failing declaration fails the
 * program; the stack output lists every device.
 */
describe("devices declared over several turns of the event loop", () => {
    const checksums = loadChecksums();
    const count = DEVICES_PER_TURN * 3 + 7;
    const fleet = parseFleet(generatedFleetYaml(count), { file: "endpoints.yaml", checksums }).fleet!;
    let run: MockRun;
    let devices: Record<string, pulumi.Output<string>>;

    beforeAll(async () => {
        run = await recordResources();
        const { buildStack } = await import("../../infra/program/stack");
        devices = buildStack({ settings: DEFAULT_SETTINGS_FOR_TESTS, fleet, checksums, secrets: new Map([["deviceSshKey", pulumi.secret("key")]]) }).devices;
        // Only what the runtime itself waits on before it ends a program: nothing of the devices' outputs.
        await allRegistered();
    });

    it("every device of every batch is registered, all five resources, before the runtime would end the program", () => {
        expect(fleet.devices.length).toBe(count);
        const names = new Set(run.resources.map((r) => r.name));
        const missing = fleet.devices.flatMap((d) => {
            const n = deviceResourceNames(d.name);
            return [n.component, n.tlsKey, n.tlsCsr, n.tlsCert, n.install].filter((x) => !names.has(x));
        });
        expect(missing).toEqual([]);
        expect(run.byType("command:remote:Command").filter((r) => r.name.endsWith("-node-exporter"))).toHaveLength(count);
    });

    it("the devices output has every device, in fleet order; one declared in a later turn is like one of the first", async () => {
        expect(Object.keys(devices)).toEqual(fleet.devices.map((d) => d.name));
        const [first, last] = [devices[fleet.devices[0].name], devices[fleet.devices[count - 1].name]];
        const value = (o: pulumi.Output<string>) => new Promise<string>((resolve) => o.apply(resolve));
        // The mock's stdout carries no result line, so each device reports the "no result" line.
        expect([await value(first), await value(last)]).toEqual([NO_INSTALL_RESULT.line, NO_INSTALL_RESULT.line]);
        expect(await pulumi.isSecret(last)).toBe(await pulumi.isSecret(first));
        await settled(Object.values(devices));
    });

    it("a device the stack must refuse, in a later batch, still fails the program at once with its own message", async () => {
        const { buildStack } = await import("../../infra/program/stack");
        const last = fleet.devices[count - 1];
        const pushed = { ...last, arch: "arm64", nodeExporter: { ...last.nodeExporter, source: "push" } } as (typeof fleet.devices)[number];
        const tarballs = fs.mkdtempSync(path.join(os.tmpdir(), "tarballs-"));
        try {
            expect(() =>
                buildStack({
                    settings: { ...DEFAULT_SETTINGS_FOR_TESTS, nodeExporterTarballDir: tarballs },
                    fleet: { ...fleet, devices: [...fleet.devices.slice(0, -1), pushed] },
                    checksums,
                    secrets: new Map([["deviceSshKey", pulumi.secret("key")]]),
                }),
            ).toThrow(new RegExp(`^device ${last.name} \\(source: push\\): ${tarballs}/node_exporter-[0-9.]+\\.linux-arm64\\.tar\\.gz is missing`));
        } finally {
            // What the program declared before the refusal (the host, its services) is still being answered.
            await allRegistered();
            fs.rmSync(tarballs, { recursive: true, force: true });
        }
    });
});
