import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { provisionerScript } from "../infra/provisionerScripts";
import { HOST_SCRIPT_LAUNCHER, launcherStdin } from "../infra/render/hostCommand";
import { BACKUP_PASSWORD_FILE, hostConfigPayload, hostFile } from "../infra/render/hostConfigFiles";
import { HOST_SCRIPTS, hostSetupPayload, hostSystemFiles } from "../infra/render/hostSystemFiles";

const APPLY_SCRIPT = provisionerScript("host-apply-config.sh");
const SETUP_SCRIPT = provisionerScript("host-setup.sh");
export const APPLY_FLEET_SCRIPT = provisionerScript("host-apply-fleet.sh");

/** Arguments of a HostConfiguration. */
export interface HostConfigurationArgs {
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** Rendered configuration files by path under /srv/iiotmon (none depends on the devices; some hold secrets). */
    readonly files: pulumi.Input<Record<string, string>>;
    /** The scrape CA certificate and password, written where Prometheus reads them. */
    readonly scrapeCaCertPem: pulumi.Input<string>;
    readonly scrapePassword: pulumi.Input<string>;
    /** The backup repository's password (restic), read by the backup and restore scripts as root. */
    readonly backupRepositoryPassword: pulumi.Input<string>;
    /** Re-run when the host is replaced: a new instance gets its scripts, units and mount again. */
    readonly hostId: pulumi.Input<string>;
    /** The host's readiness (cloud-init done, Docker up): nothing runs on the host before it. */
    readonly hostReady: pulumi.Resource;
    /** The EBS data volume to mount, and its size: a larger size re-runs the step that grows the file system. */
    readonly dataVolumeId: pulumi.Input<string>;
    readonly dataVolumeGiB: pulumi.Input<number>;
    /** The backup job's bucket, region, schedule (systemd OnCalendar) and retention (days restic keeps snapshots). */
    readonly backupBucketName: pulumi.Input<string>;
    readonly backupRegion: string;
    readonly backupSchedule: string;
    readonly backupRetentionDays: number;
    /** Scripts from provisioners/ to install on the host. Defaults to HOST_SCRIPTS. */
    readonly hostScripts?: readonly string[];
}

/**
 * Everything the host gets after its bootstrap, in place and without restarting a container: first its
 * scripts, the backup settings and timer, the data volume mounted and its file system grown; then the
 * configuration files the containers mount, with a reload of what changed.
 */
export class HostConfiguration extends pulumi.ComponentResource {
    public readonly applied: pulumi.Output<string>;

    constructor(name: string, args: HostConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:HostConfiguration", name, {}, opts);
        const system = new command.remote.Command(
            `${name}-system`,
            {
                connection: args.connection,
                create: HOST_SCRIPT_LAUNCHER,
                // Every remote command's stdin is a secret, whatever it carries: a preview's policies see
                // no secret marks, so the policy pack counts on stdin being one (infra/policy/rules.ts).
                stdin: pulumi.secret(
                    pulumi
                        .all([args.backupBucketName, args.dataVolumeId])
                        .apply(([bucket, volumeId]) =>
                            launcherStdin(SETUP_SCRIPT, hostSetupPayload(hostSystemFiles({ bucket, region: args.backupRegion, schedule: args.backupSchedule, retentionDays: args.backupRetentionDays }, args.hostScripts ?? HOST_SCRIPTS), volumeId)),
                        ),
                ),
                triggers: [args.hostId, args.dataVolumeGiB],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: [args.hostReady] },
        );
        const stdin = pulumi.secret(
            pulumi.all([args.files, args.scrapeCaCertPem, args.scrapePassword, args.backupRepositoryPassword]).apply(([files, ca, password, repositoryPassword]) =>
                launcherStdin(
                    APPLY_SCRIPT,
                    hostConfigPayload([
                        ...Object.entries(files).map(([rel, text]) => hostFile(rel, text)),
                        hostFile("config/prometheus/secrets/scrape-ca.crt", ca),
                        hostFile("config/prometheus/secrets/scrape-password", password),
                        hostFile(BACKUP_PASSWORD_FILE, repositoryPassword),
                    ]),
                ),
            ),
        );
        const apply = new command.remote.Command(
            `${name}-files`,
            { connection: args.connection, create: HOST_SCRIPT_LAUNCHER, stdin, triggers: [args.hostId], addPreviousOutputInEnv: false },
            // The files go onto the data volume, which the system step mounts.
            { parent: this, dependsOn: [system] },
        );
        this.applied = apply.stdout;
        this.registerOutputs({ applied: this.applied });
    }
}

/** Arguments of ScrapeTargets. */
export interface ScrapeTargetsArgs {
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** The rendered file_sd JSON. */
    readonly targetsJson: string;
    /** SQL that brings the fleet's record in TimescaleDB in line with the fleet. */
    readonly fleetRecordSql: string;
    /**
     * The host configuration and services. Never the device installs: a device that is offline or fails
     * its install keeps its target (DeviceDown says so), and the fleet record stays in step with the fleet.
     */
    readonly dependsOn: pulumi.Resource[];
}

/**
 * The one host-side resource a fleet edit changes: the file_sd targets file, replaced atomically
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
                // A secret like every command's stdin (see HostConfiguration); `fleet diff` shows the change in review.
                stdin: pulumi.secret(launcherStdin(APPLY_FLEET_SCRIPT, fleetPayload(args.targetsJson, args.fleetRecordSql))),
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.registerOutputs({});
    }
}

/** The stdin of provisioners/host-apply-fleet.sh. */
export function fleetPayload(targetsJson: string, sql: string): string {
    return `@@targets\n${targetsJson}${sql ? `@@sql\n${sql}\n` : ""}@@end\n`;
}
