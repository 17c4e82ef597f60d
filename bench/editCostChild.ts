import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../infra/fleet/parseFleet";
import { Fleet } from "../infra/fleet/types";
import { loadChecksums } from "../infra/device/checksums";
import { parseSettings } from "../infra/settings/settings";
import { placeholderOutputs, recordProgram, generatedFleetYaml } from "../test/harness";

/** Resource inputs by name for one run of the program. */
async function inputsByName(fleet: Fleet): Promise<Map<string, string>> {
    const recorded = await recordProgram("iiot-monitoring", "bench", placeholderOutputs);
    const { buildStack } = await import("../infra/program/stack");
    const out = buildStack({
        settings: parseSettings((k) => (k === "amiId" ? "ami-0123456789abcdef0" : undefined)),
        fleet,
        checksums: loadChecksums(),
        secrets: new Map([["deviceSshKey", pulumi.secret("key")]]),
    });
    await new Promise<void>((resolve) => pulumi.all(Object.values(out.devices)).apply(() => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    return new Map(recorded.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
}

/** Adds one device to an n-device fleet and counts the resources whose inputs change (what a preview shows). */
async function main(n: number): Promise<void> {
    const checksums = loadChecksums();
    const base = generatedFleetYaml(n);
    const added = base + `  - name: wtg-new\n    address: 10.250.0.1\n    site: farm-0\n    hostKey: ${base.match(/hostKey: (.*)/)![1]}\n`;
    const a = await inputsByName(parseFleet(base, { file: "a", checksums }).fleet!);
    const b = await inputsByName(parseFleet(added, { file: "b", checksums }).fleet!);
    const names = [...new Set([...a.keys(), ...b.keys()])];
    const changed = names.filter((k) => a.get(k) !== b.get(k)).map((k) => k.split("::")[1]).sort();
    console.log(JSON.stringify({ devices: n, totalResources: b.size, changed }));
}

main(Number(process.argv[2])).catch((e) => {
    console.error(e);
    process.exit(1);
});
