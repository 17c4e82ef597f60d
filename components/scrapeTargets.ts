import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { provisionerScript } from "../infra/common";
import { HOST_SCRIPT_LAUNCHER, launcherStdin } from "../infra/host";

export const APPLY_FLEET_SCRIPT = provisionerScript("host-apply-fleet.sh");

/** Arguments of ScrapeTargets. */
export interface ScrapeTargetsArgs {
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** The rendered file_sd JSON. */
    readonly targetsJson: string;
    /** The probe and SNMP devices' file_sd JSON for blackbox_exporter and snmp_exporter; absent, left as they are. */
    readonly exporterTargets?: { readonly blackbox: string; readonly snmp: string };
    /** SQL that brings the fleet's record in TimescaleDB in line with the fleet. */
    readonly fleetRecordSql: string;
    /**
     * The host configuration and services. Never the device installs: a device that is offline or fails
     * its install keeps its target (DeviceDown says so), and the fleet record stays in step with the fleet.
     */
    readonly dependsOn: pulumi.Resource[];
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
            `${name}-file`,
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

/** The stdin of provisioners/host-apply-fleet.sh. */
export function fleetPayload(targetsJson: string, sql: string, exporters?: { readonly blackbox: string; readonly snmp: string }): string {
    const extra = exporters ? `@@blackbox-targets\n${exporters.blackbox}@@snmp-targets\n${exporters.snmp}` : "";
    return `@@targets\n${targetsJson}${sql ? `@@sql\n${sql}\n` : ""}${extra}@@end\n`;
}
