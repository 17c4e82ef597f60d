import * as pulumi from "@pulumi/pulumi";
import { ProgramInputs } from "./programInputs";

/** What `pulumi stack output` shows. */
export interface StackOutputs {
    readonly deviceCount: number;
    readonly sites: Record<string, string[]>;
}

/** Wires the components for one fleet and its settings. Kept apart from config reading so tests can build any fleet. */
export function buildStack(inputs: ProgramInputs): StackOutputs {
    const sites: Record<string, string[]> = {};
    for (const d of inputs.fleet.devices) (sites[d.site] ??= []).push(d.name);
    pulumi.log.info(`fleet ${inputs.fleet.file}: ${inputs.fleet.devices.length} devices in ${Object.keys(sites).length} sites`);
    return { deviceCount: inputs.fleet.devices.length, sites };
}
