import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { provisionerScript } from "../infra/common";
import { HOST_SCRIPT_LAUNCHER, launcherStdin, BACKUP_PASSWORD_FILE, hostConfigPayload, hostFile, HOST_SCRIPTS, hostSetupPayload, hostSystemFiles } from "../infra/host";

const APPLY_SCRIPT = provisionerScript("host-apply-config.sh");
const SETUP_SCRIPT = provisionerScript("host-setup.sh");

/** Arguments of a HostConfiguration. */
export interface HostConfigurationArgs {
    /** SSH to the host (MonitoringHost.access.connection), host key pinned. */
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** Rendered configuration files by path under /srv/iiotmon (none depends on the devices; some hold secrets). */
    readonly files: pulumi.Input<Record<string, string>>;
    /** The scrape CA certificate (PEM), written where Prometheus reads it. */
    readonly scrapeCaCertPem: pulumi.Input<string>;
    /** The scrape password (secret), written where Prometheus reads it (mode 0400). */
    readonly scrapePassword: pulumi.Input<string>;
    /** The backup repository's password (restic), read by the backup and restore scripts as root. */
    readonly backupRepositoryPassword: pulumi.Input<string>;
    /** Re-run when the host is replaced: a new instance gets its scripts, units and mount again. */
    readonly hostId: pulumi.Input<string>;
    /** The host's readiness (cloud-init done, Docker up): nothing runs on the host before it. */
    readonly hostReady: pulumi.Resource;
    /** The EBS data volume to mount (its id, e.g. `vol-0abc...`). */
    readonly dataVolumeId: pulumi.Input<string>;
    /** The data volume's size in GiB: a larger size re-runs the step that grows the file system. */
    readonly dataVolumeGiB: pulumi.Input<number>;
    /** The backup job's S3 bucket (its name). */
    readonly backupBucketName: pulumi.Input<string>;
    /** The bucket's AWS region, e.g. `eu-west-2`. */
    readonly backupRegion: string;
    /** When the backup runs, a systemd OnCalendar expression (UTC), e.g. `*-*-* 02:30:00`. */
    readonly backupSchedule: string;
    /** How long restic keeps snapshots, in days. */
    readonly backupRetentionDays: number;
    /** Scripts from provisioners/ to install on the host. Defaults to HOST_SCRIPTS. */
    readonly hostScripts?: readonly string[];
}

/** The names of a HostConfiguration's children, from the component's name. */
export function hostConfigurationNames(name: string) {
    return {
        component: name,
        /** Scripts, backup settings and timer, the data volume mounted and grown. */
        system: `${name}-system`,
        /** The configuration files the containers mount, and the reloads. */
        files: `${name}-files`,
    } as const;
}

/**
 * Everything the host gets after its bootstrap, in place and without restarting a container: first its
 * scripts, the backup settings and timer, the data volume mounted and its file system grown; then the
 * configuration files the containers mount, with a reload of what changed.
 */
export class HostConfiguration extends pulumi.ComponentResource {
    /** What the files step printed on the host: one line a file written, and the reloads. */
    public readonly applied: pulumi.Output<string>;

    constructor(name: string, args: HostConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:HostConfiguration", name, {}, opts);
        const names = hostConfigurationNames(name);
        const system = new command.remote.Command(
            names.system,
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
            names.files,
            { connection: args.connection, create: HOST_SCRIPT_LAUNCHER, stdin, triggers: [args.hostId], addPreviousOutputInEnv: false },
            // The files go onto the data volume, which the system step mounts.
            { parent: this, dependsOn: [system] },
        );
        this.applied = apply.stdout;
        this.registerOutputs({ applied: this.applied });
    }
}
