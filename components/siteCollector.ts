import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ChecksumTable, Device, Fleet, Site } from "../infra/fleet";
import { collectorChecksumProblem, collectorDiskSize, CollectorInstallSettings, collectorScriptArgs, collectorStdin, deviceCommand, InstallResult, NO_INSTALL_RESULT, parseInstallResult, pushedCollectorTarballPath } from "../infra/device";
import { renderBackfillEnv, renderBackfillHttpConfig, renderCollectorConfig, renderSiteTargets } from "../infra/host";
import { deviceConnection } from "./nodeExporterDevice";

/** Arguments of a SiteCollector. */
export interface SiteCollectorArgs {
    /** The site, with its collector (sites.<name>.collector in endpoints.yaml). */
    readonly site: Site;
    /** The fleet: the site's devices become the collector's targets. */
    readonly fleet: Fleet;
    /** Secret values by the names the fleet uses (SSH keys, passwords). */
    readonly secrets: ReadonlyMap<string, pulumi.Output<string>>;
    /** Checksums of Prometheus releases (provisioners/prometheus.sha256sums and collectorChecksumsFiles). */
    readonly checksums: ChecksumTable;
    /** The Prometheus release (version, download or push, mirror), scrape interval (seconds) and whether a restart may drop an unsent backlog: the collector* stack settings. */
    readonly install: CollectorInstallSettings;
    /** The devices' scrape CA and password, as the monitoring host uses them. */
    readonly scrape: { readonly caCertPem: pulumi.Input<string>; readonly password: pulumi.Input<string> };
    /** `https://<host>:<port>/api/v1/write`. */
    readonly remoteWriteUrl: pulumi.Input<string>;
    /** The CA that signed the receiver's certificate (the stack's). Defaults to none: the device's trust store (a public CA, ACME). */
    readonly remoteWriteCaCertPem?: pulumi.Input<string>;
    /** Local path of the Prometheus release tarball; required when collectorSource is push. */
    readonly pushedTarball?: string;
    /** How long to keep dialing an unreachable collector, in seconds. Defaults to 60. */
    readonly dialTimeoutSeconds?: number;
    /** The device's node_exporter install: the collector goes on after it (same SSH path, same user). Defaults to none. */
    readonly after?: pulumi.Resource;
}

/** The names of a SiteCollector's children, from the component's name: the lab and tests find them by these. */
export function siteCollectorNames(name: string) {
    return {
        component: name,
        /** The collector's remote-write password (a stack secret). */
        password: `${name}-password`,
        /** The CopyToRemote of a pushed Prometheus release tarball (collectorSource push). */
        pushTarball: `${name}-push-tarball`,
        /** The remote Command that installs, reconfigures and uninstalls the agent. */
        agent: `${name}-agent`,
    } as const;
}

/**
 * A site's collector: its own remote-write password (a stack secret; the monitoring host keeps only its
 * bcrypt hash, so one site's credentials are revoked or rotated alone), and Prometheus with a local TSDB
 * plus its back-filler installed (create), reconfigured (update: a reload where one suffices) and
 * uninstalled (delete) on the collector device over SSH, with the same command mechanism as node_exporter.
 */
export class SiteCollector extends pulumi.ComponentResource {
    /** The collector user's password hash, for the receiver. */
    public readonly bcryptHash: pulumi.Output<string>;
    /** The installer's result (its IIOTMON_RESULT line, parsed). */
    public readonly installed: pulumi.Output<InstallResult>;

    constructor(name: string, args: SiteCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:SiteCollector", name, {}, opts);
        const { site, fleet } = args;
        const collector = site.collector;
        if (!collector) throw new Error(`site ${site.name} has no collector`);
        const device: Device | undefined = fleet.devices.find((d) => d.name === collector.device);
        if (!device) throw new Error(`site ${site.name}: collector ${collector.device} is not a device of the fleet`);
        const names = siteCollectorNames(name);
        const password = new random.RandomPassword(names.password, { length: 40, special: false }, { parent: this });
        this.bcryptHash = password.bcryptHash;

        const connection = deviceConnection(device, args.secrets, args.dialTimeoutSeconds ?? 60);
        const dependsOn: pulumi.Resource[] = args.after ? [args.after] : [];
        if (args.install.source === "push") {
            if (!args.pushedTarball) throw new Error(`collector ${device.name}: collectorSource is push but no local tarball was given`);
            dependsOn.push(
                new command.remote.CopyToRemote(
                    names.pushTarball,
                    {
                        connection,
                        source: new pulumi.asset.FileAsset(args.pushedTarball),
                        remotePath: pushedCollectorTarballPath(args.install.version, device.arch),
                        triggers: [device.address, device.ssh.user, device.ssh.bastion?.address ?? "", args.install.version],
                    },
                    { parent: this },
                ),
            );
        }
        const checksumProblem = collectorChecksumProblem(device, args.install.version, args.checksums);
        if (checksumProblem) pulumi.log.warn(checksumProblem, this);
        const siteDevices = fleet.devices.filter((d) => d.site === site.name).length;
        const commandName = names.agent;
        const scriptArgs = collectorScriptArgs(collector, device, siteDevices, args.install, args.checksums, `${pulumi.getStack()}/${commandName}`);
        const { backfillRangeSeconds } = collectorDiskSize({ devices: siteDevices, scrapeIntervalSeconds: args.install.scrapeIntervalSeconds, outageBudgetHours: collector.outageBudgetHours });
        const stdin = pulumi.secret(
            pulumi.all([args.scrape.caCertPem, args.scrape.password, args.remoteWriteUrl, args.remoteWriteCaCertPem ?? "", password.result]).apply(([scrapeCa, scrapePassword, url, rwCa, rwPassword]) =>
                collectorStdin(scriptArgs, {
                    agentConfig: renderCollectorConfig({ site: site.name, region: site.region, collectorDevice: device.name, remoteWriteUrl: url, scrapeIntervalSeconds: args.install.scrapeIntervalSeconds, useSystemRoots: !rwCa }),
                    backfillEnv: renderBackfillEnv({ site: site.name, remoteWriteUrl: url, outageBudgetHours: collector.outageBudgetHours, rangeSeconds: backfillRangeSeconds }),
                    backfillHttpConfig: renderBackfillHttpConfig({ site: site.name, remoteWriteUrl: url, outageBudgetHours: collector.outageBudgetHours, rangeSeconds: backfillRangeSeconds, useSystemRoots: !rwCa }),
                    targetsJson: renderSiteTargets(fleet, site.name),
                    scrapeCaCertPem: scrapeCa,
                    scrapePassword,
                    remoteWriteCaCertPem: rwCa,
                    remoteWritePassword: rwPassword,
                }),
            ),
        );
        // As for node_exporter: no triggers, so another address or user re-runs the install there and never
        // uninstalls through the old connection; a changed stdin (targets, config, password) is an update.
        const install = new command.remote.Command(
            commandName,
            { connection, create: deviceCommand("install"), delete: deviceCommand("uninstall"), stdin, addPreviousOutputInEnv: false },
            { parent: this, dependsOn },
        );
        this.installed = install.stdout.apply((out) => parseInstallResult(out) ?? NO_INSTALL_RESULT);
        this.registerOutputs({ bcryptHash: this.bcryptHash, installed: this.installed });
    }
}
