import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { encodePayload, provisionerScript } from "../infra/common";
import { HOST_SCRIPT_LAUNCHER, launcherStdin } from "../infra/host";

export const APPLY_FLEET_SCRIPT = provisionerScript("host-apply-fleet.sh");

/** Arguments of ScrapeTargets. */
export interface ScrapeTargetsArgs {
    /** SSH to the host (MonitoringHost.access.connection), host key pinned. */
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** The rendered file_sd JSON (renderTargetsFile). */
    readonly targetsJson: string;
    /** The probe and SNMP devices' file_sd JSON for blackbox_exporter and snmp_exporter. Defaults to none: their files are left as they are. */
    readonly exporterTargets?: { readonly blackbox: string; readonly snmp: string };
    /** SQL that brings the fleet's record in TimescaleDB in line with the fleet. */
    readonly fleetRecordSql: string;
    /**
     * The host configuration and services. Never the device installs: a device that is offline or fails
     * its install keeps its target (DeviceDown says so), and the fleet record stays in step with the fleet.
     */
    readonly dependsOn: pulumi.Resource[];
}

/** The names of a ScrapeTargets' children, from the component's name. */
export function scrapeTargetsNames(name: string) {
    return { component: name, file: `${name}-file` } as const;
}

/**
 * The one host-side resource a fleet edit changes: the file_sd targets files (node_exporter, probes,
 * SNMP), each replaced atomically
 * (Prometheus picks it up by itself, nothing restarts), and the fleet's record in TimescaleDB.
 */
export class ScrapeTargets extends pulumi.ComponentResource {
    constructor(name: string, args: ScrapeTargetsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:ScrapeTargets", name, {}, opts);
        new command.remote.Command(
            scrapeTargetsNames(name).file,
            {
                connection: args.connection,
                create: HOST_SCRIPT_LAUNCHER,
                // A secret like every command's stdin (see components/hostConfiguration.ts); `fleet diff` shows the change in review.
                stdin: pulumi.secret(launcherStdin(APPLY_FLEET_SCRIPT, fleetPayload(args.targetsJson, args.fleetRecordSql, args.exporterTargets))),
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.registerOutputs({});
    }
}

/** The payload of provisioners/host-apply-fleet.sh: the targets, the SQL when there is any, and the probe and SNMP devices' targets. */
export function fleetPayload(targetsJson: string, sql: string, exporters?: { readonly blackbox: string; readonly snmp: string }): string {
    return encodePayload([
        { name: "targets", text: targetsJson },
        ...(sql ? [{ name: "sql", text: sql }] : []),
        ...(exporters ? [{ name: "blackbox", text: exporters.blackbox }, { name: "snmp", text: exporters.snmp }] : []),
    ]);
}
