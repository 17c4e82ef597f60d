import * as fs from "fs";
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "../infra/nodeExporter/shellQuote";
import { atomicWriteCommand } from "../infra/render/atomicWrite";
import { HOST_DATA_ROOT } from "../infra/render/hostPaths";
import { hostConfigPayload, hostFile, TARGETS_FILE } from "../infra/render/hostConfigFiles";

const APPLY_SCRIPT = fs.readFileSync(path.join(__dirname, "..", "provisioners", "host-apply-config.sh"), "utf8");

/** Arguments of a HostConfiguration. */
export interface HostConfigurationArgs {
    readonly connection: command.types.input.remote.ConnectionArgs;
    /** Rendered configuration files by path under /srv/iiotmon (none depends on the devices; some hold secrets). */
    readonly files: pulumi.Input<Record<string, string>>;
    /** The scrape CA certificate and password, written where Prometheus reads them. */
    readonly scrapeCaCertPem: pulumi.Input<string>;
    readonly scrapePassword: pulumi.Input<string>;
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
            pulumi.all([args.files, args.scrapeCaCertPem, args.scrapePassword]).apply(([files, ca, password]) =>
                hostConfigPayload([
                    ...Object.entries(files).map(([rel, text]) => hostFile(rel, text)),
                    hostFile("config/prometheus/secrets/scrape-ca.crt", ca),
                    hostFile("config/prometheus/secrets/scrape-password", password),
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
    /** The device installs: a device is scraped only once its install succeeded. */
    readonly devices: pulumi.Resource[];
}

/** The file_sd targets file, replaced atomically; Prometheus picks it up by itself, nothing restarts. */
export class ScrapeTargets extends pulumi.ComponentResource {
    constructor(name: string, args: ScrapeTargetsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:ScrapeTargets", name, {}, opts);
        const write = `sudo -n sh -c ${shellQuote(atomicWriteCommand(`${HOST_DATA_ROOT}/${TARGETS_FILE}`))}`;
        new command.remote.Command(
            `${name}-file`,
            { connection: args.connection, create: write, stdin: args.targetsJson, addPreviousOutputInEnv: false },
            { parent: this, dependsOn: args.devices },
        );
        this.registerOutputs({});
    }
}
