import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "../infra/nodeExporter/shellQuote";
import { provisionerScript } from "../infra/provisionerScripts";
import { BACKUP_PASSWORD_FILE, hostConfigPayload, hostFile } from "../infra/render/hostConfigFiles";

const APPLY_SCRIPT = provisionerScript("host-apply-config.sh");
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
    /** Re-run when the host is replaced (its data volume keeps the files, but cheap to check). */
    readonly hostId: pulumi.Input<string>;
}

/**
 * Writes the host's configuration into the directories the containers mount and reloads what changed.
 * Nothing here restarts or replaces a container.
 */
export class HostConfiguration extends pulumi.ComponentResource {
    public readonly applied: pulumi.Output<string>;

    constructor(name: string, args: HostConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:HostConfiguration", name, {}, opts);
        const stdin = pulumi.secret(
            pulumi.all([args.files, args.scrapeCaCertPem, args.scrapePassword, args.backupRepositoryPassword]).apply(([files, ca, password, repositoryPassword]) =>
                hostConfigPayload([
                    ...Object.entries(files).map(([rel, text]) => hostFile(rel, text)),
                    hostFile("config/prometheus/secrets/scrape-ca.crt", ca),
                    hostFile("config/prometheus/secrets/scrape-password", password),
                    hostFile(BACKUP_PASSWORD_FILE, repositoryPassword),
                ]),
            ),
        );
        const apply = new command.remote.Command(
            `${name}-files`,
            { connection: args.connection, create: `sudo -n sh -c ${shellQuote(APPLY_SCRIPT)}`, stdin, triggers: [args.hostId], addPreviousOutputInEnv: false },
            { parent: this },
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
    /** The device installs (a device is scraped only once its install succeeded), and the services. */
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
                create: `sudo -n sh -c ${shellQuote(APPLY_FLEET_SCRIPT)}`,
                stdin: fleetPayload(args.targetsJson, args.fleetRecordSql),
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
