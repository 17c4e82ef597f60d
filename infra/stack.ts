import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { NodeExporterDevice } from "../components/nodeExporterDevice";
import { ScrapeAuthority } from "../components/scrapeAuthority";
import { PushedTarballs } from "./nodeExporter/pushedTarballs";
import { ProgramInputs } from "./programInputs";

/** What `pulumi stack output` shows. */
export interface StackOutputs {
    readonly deviceCount: number;
    readonly sites: Record<string, string[]>;
    /** Each device's installer result line, by device name. */
    readonly devices: Record<string, pulumi.Output<string>>;
    readonly scrapeCaCertPem: pulumi.Output<string>;
}

/** Resource name of a device's component: from its name only, so reordering the fleet changes nothing. */
export function deviceResourceName(deviceName: string): string {
    return `device-${deviceName}`;
}

/** Wires the components for one fleet and its settings. Kept apart from config reading so tests can build any fleet. */
export function buildStack(inputs: ProgramInputs, projectDir = process.cwd()): StackOutputs {
    const { fleet, settings } = inputs;
    const sites: Record<string, string[]> = {};
    for (const d of fleet.devices) (sites[d.site] ??= []).push(d.name);

    const authority = new ScrapeAuthority("scrape");
    const tarballs = new PushedTarballs(path.resolve(projectDir, settings.nodeExporterTarballDir), inputs.checksums);
    const devices: Record<string, pulumi.Output<string>> = {};
    for (const device of fleet.devices) {
        const pushedTarball = device.nodeExporter.source === "push" ? tarballs.pathFor(device) : undefined;
        devices[device.name] = new NodeExporterDevice(deviceResourceName(device.name), {
            device,
            secrets: inputs.secrets,
            checksums: inputs.checksums,
            authority,
            pushedTarball,
            dialTimeoutSeconds: settings.dialTimeoutSeconds,
        }).installed;
    }
    return { deviceCount: fleet.devices.length, sites, devices, scrapeCaCertPem: authority.caCertPem };
}
