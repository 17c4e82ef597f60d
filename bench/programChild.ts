import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../infra/fleet/parseFleet";
import { limitStackTracesForLargeFleets } from "../infra/program/largeFleets";
import { loadChecksums } from "../infra/device/checksums";
import { parseSettings } from "../infra/settings/settings";
import { allRegistered, recordProgram, placeholderOutputs, generatedFleetYaml } from "../test/harness";

/**
 * One measurement in a fresh process (so peak memory is this run's alone): `validate N` parses and
 * validates an N-device fleet file; `program N` also runs the whole program for it under mocks.
 * Prints one JSON line.
 */
async function main(mode: string, n: number): Promise<void> {
    const text = generatedFleetYaml(n);
    const checksums = loadChecksums();
    const t0 = process.hrtime.bigint();
    const parsed = parseFleet(text, { file: "endpoints.yaml", checksums });
    const validateMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!parsed.fleet) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
    let programMs = 0;
    let resources = 0;
    if (mode === "program") {
        // As the entry point does.
        limitStackTracesForLargeFleets(n);
        const recorded = await recordProgram("iiot-monitoring", "bench", (type, name) => placeholderOutputs(type, name));
        const { buildStack } = await import("../infra/program/stack");
        const t1 = process.hrtime.bigint();
        const out = buildStack({
            settings: parseSettings((k) => (k === "amiId" ? "ami-0123456789abcdef0" : undefined)),
            fleet: parsed.fleet,
            checksums,
            secrets: new Map([["deviceSshKey", pulumi.secret("key")]]),
        });
        await new Promise<void>((resolve) => pulumi.all(Object.values(out.devices)).apply(() => resolve()));
        // Every registration answered, as the runtime waits before it ends: the whole program, every resource.
        await allRegistered();
        programMs = Number(process.hrtime.bigint() - t1) / 1e6;
        resources = recorded.length;
    }
    const peakRssMB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify({ devices: n, bytes: Buffer.byteLength(text), validateMs, programMs, resources, peakRssMB }));
}

main(process.argv[2], Number(process.argv[3])).catch((e) => {
    console.error(e);
    process.exit(1);
});
