import { createHash } from "crypto";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { loadProgramInputs } from "../infra/program/programInputs";
import { buildStack, deviceResourceNames, STACK_RESOURCES } from "../infra/program/stack";
import { LabOutputStore } from "./labOutputs";
import { recordProgram, RecordedResource, settled } from "../test/harness";

const PROJECT = "iiot-monitoring";

/** A device-side resource exactly as Pulumi would hand it to the Command provider. */
export interface DeviceOperation {
    readonly resourceName: string;
    readonly type: "command:remote:Command" | "command:remote:CopyToRemote";
    readonly inputs: Record<string, unknown>;
    /** The component it belongs to (a device's, or a site collector's): its copies run before its command. */
    readonly chain: string;
}

export interface CaptureOptions {
    readonly fleetFile: string;
    /** Extra stack settings (`key` -> value as Pulumi stores it). */
    readonly settings?: Record<string, string>;
    /** Secret config values the fleet names. */
    readonly secrets: Record<string, string>;
    /** Where keys, certificates and passwords persist between captures. */
    readonly outputStoreFile: string;
}

/**
 * Runs the real program under mocks for a fleet, as `pulumi up` would, and returns the resources that
 * act on devices (remote Commands and their file copies) with every input resolved.
 */
export async function captureDeviceOperations(opts: CaptureOptions): Promise<DeviceOperation[]> {
    const store = new LabOutputStore(opts.outputStoreFile);
    const resources: RecordedResource[] = await recordProgram(PROJECT, "lab", store.outputs);
    const config: Record<string, string> = { [`${PROJECT}:fleetFile`]: opts.fleetFile };
    for (const [k, v] of Object.entries(opts.settings ?? {})) config[`${PROJECT}:${k}`] = v;
    for (const [k, v] of Object.entries(opts.secrets)) config[`${PROJECT}:${k}`] = v;
    pulumi.runtime.setAllConfig(config, Object.keys(opts.secrets).map((k) => `${PROJECT}:${k}`));
    const inputs = loadProgramInputs(new pulumi.Config(PROJECT));
    const outputs = buildStack(inputs);
    await settled([...Object.values(outputs.devices), ...Object.values(outputs.siteCollectors)]);
    store.save();
    // Only what acts on devices (node_exporter, and site collectors): the monitoring host's own commands have no lab counterpart.
    const chainOf = new Map<string, string>();
    for (const d of inputs.fleet.devices) {
        const names = deviceResourceNames(d.name);
        for (const n of [names.pushTarball, names.install]) chainOf.set(n, names.component);
    }
    for (const site of inputs.fleet.sites.filter((s) => s.collector)) {
        const names = STACK_RESOURCES.collector(site.name);
        for (const n of [names.pushTarball, names.agent]) chainOf.set(n, names.component);
    }
    const deviceSide = resources.filter((r) => (r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote") && chainOf.has(r.name));
    return Promise.all(
        deviceSide.map(async (r) => {
            const inputs = { ...r.inputs };
            // A file asset becomes its path (and content hash, as Pulumi diffs assets by content).
            if (inputs.source instanceof pulumi.asset.FileAsset) {
                const file = await inputs.source.path;
                inputs.source = { path: file, sha256: createHash("sha256").update(fs.readFileSync(file)).digest("hex") };
            }
            return { resourceName: r.name, type: r.type as DeviceOperation["type"], inputs, chain: chainOf.get(r.name)! };
        }),
    );
}

/** Reads a JSON state file, or an empty one. */
export function readJson<T>(file: string, empty: T): T {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : empty;
}
