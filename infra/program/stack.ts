import * as path from "path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BackupBucket, backupBucketNames } from "../../components/backupBucket";
import { HostConfiguration, hostConfigurationNames } from "../../components/hostConfiguration";
import { ScrapeTargets, scrapeTargetsNames } from "../../components/scrapeTargets";
import { GrafanaAdminPassword, grafanaAdminPasswordNames } from "../../components/grafanaAdminPassword";
import { GrafanaCertificate, grafanaCertificateNames } from "../../components/grafanaCertificate";
import { MonitoringHost, monitoringHostNames } from "../../components/monitoringHost";
import { MonitoringServices, monitoringServicesNames } from "../../components/monitoringServices";
import { deviceConnection, NodeExporterDevice, nodeExporterDeviceNames } from "../../components/nodeExporterDevice";
import { declareInTurns, DEVICES_PER_TURN } from "./declareInTurns";
import { ScrapeAuthority, scrapeAuthorityNames } from "../../components/scrapeAuthority";
import { SiteCollector, siteCollectorNames } from "../../components/siteCollector";
import { LongTermStore, longTermStoreNames } from "../../components/longTermStore";
import { dockerSshOptions } from "./dockerOverSsh";
import { fleetSnmpSecretNames, maintenanceOwners } from "../fleet";
import { deviceScriptArgs, loadCollectorChecksums, PushedTarballs } from "../device";
import { grafanaUrl, CADDY_CONTAINER_PATHS, proxyConfigFiles, grafanaSettings, hostIngressRules, renderHostConfigFiles, renderTargetsFile, TARGETS_FILE, renderExporterConfigFiles, renderExporterTargetsFiles, EXPORTER_TARGETS_FILES, fleetSyncSql, sizeHost, watchedSizing, capacityWarning, ampQuotaWarning, collectorSitesOf, collectorUsername, REMOTE_WRITE_PATH } from "../host";
import { ProgramInputs } from "./programInputs";
import { StackSettings } from "../settings";
import { UserError } from "../common";

/** What `pulumi stack output` shows. */
export interface StackOutputs {
    readonly deviceCount: number;
    readonly sites: Record<string, string[]>;
    /** Each device's installer result line, by device name. */
    readonly devices: Record<string, pulumi.Output<string>>;
    readonly scrapeCaCertPem: pulumi.Output<string>;
    readonly monitoringHostIp: pulumi.Output<string>;
    /** Grafana's HTTPS URL: the domain, the Elastic IP, or (no public ingress) the SSM tunnel's local end. */
    readonly grafanaUrl: pulumi.Output<string>;
    /** The CA that signed Grafana's certificate, when there is no domain (trust it in browsers and scripts). */
    readonly grafanaCaCertPem?: pulumi.Output<string>;
    /** The instance, for `aws ssm start-session --target`. */
    readonly monitoringHostId: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    readonly adminSshPrivateKey: pulumi.Output<string>;
    readonly backupBucket: pulumi.Output<string>;
    /** The restic repository's password (secret): keep a copy, no backup can be read without it. */
    readonly backupRepositoryPassword: pulumi.Output<string>;
    readonly sizing: { instanceType: string; dataVolumeGiB: number; activeSeries: number };
    /** How each site is scraped: "monitoring host", or its collector's installer result line. */
    readonly siteCollectors: Record<string, pulumi.Output<string>>;
}

/** Resource name of a device's component: from its name only, so reordering the fleet changes nothing. */
export function deviceResourceName(deviceName: string): string {
    return `device-${deviceName}`;
}

/** The names of a device's resources (its component and the component's children), by device name. */
export function deviceResourceNames(deviceName: string): ReturnType<typeof nodeExporterDeviceNames> {
    return nodeExporterDeviceNames(deviceResourceName(deviceName));
}

/**
 * The names the stack gives its resources, through each component's own naming function: the lab and the
 * tests find resources by these, so a rename here cannot silently leave them looking for the old name.
 */
export const STACK_RESOURCES = {
    backups: backupBucketNames("backups"),
    host: monitoringHostNames("monitoring-host"),
    scrapeAuthority: scrapeAuthorityNames("scrape"),
    grafanaCertificate: grafanaCertificateNames("grafana-tls"),
    /** The generated Grafana admin password, when the stack config sets none. */
    grafanaAdminSecret: "grafana-admin-password",
    hostConfiguration: hostConfigurationNames("host-config"),
    dockerProvider: "monitoring-host-docker",
    services: monitoringServicesNames("services"),
    grafanaAdmin: grafanaAdminPasswordNames("grafana-admin"),
    scrapeTargets: scrapeTargetsNames("scrape-targets"),
    /** The AMP workspace, with longTermStore: amp. */
    longTermStore: longTermStoreNames("long-term-store"),
    /** A site's collector (sites.<name>.collector). */
    collector: (site: string) => siteCollectorNames(`collector-${site}`),
} as const;

/** Ubuntu 24.04's current AMI, for test stacks that did not pin one. */
const UBUNTU_AMI_PARAMETER = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";

function amiFor(settings: StackSettings): pulumi.Output<string> {
    if (settings.amiId) return pulumi.output(settings.amiId);
    if (!settings.testStack) {
        throw new UserError(
            `iiot-monitoring:amiId is required on a production stack, so a new image never replaces the host by surprise: ` +
                `pulumi config set amiId $(aws ssm get-parameter --name ${UBUNTU_AMI_PARAMETER} --query Parameter.Value --output text)`,
        );
    }
    return aws.ssm.getParameterOutput({ name: UBUNTU_AMI_PARAMETER }).apply((p) => {
        pulumi.log.warn(`amiId is not pinned; using Ubuntu's current ${p.value}. Pin it: pulumi config set amiId ${p.value}`);
        return p.value;
    });
}

/** The values of the stack secrets the SNMP devices name, by name (resolved together, still secret). */
function snmpSecretValues(inputs: ProgramInputs): pulumi.Output<Record<string, string>> {
    return pulumi.all(Object.fromEntries(fleetSnmpSecretNames(inputs.fleet.agentless).flatMap((n) => (inputs.secrets.has(n) ? [[n, inputs.secrets.get(n)!]] : [])))) as pulumi.Output<Record<string, string>>;
}

/** Wires the components for one fleet and its settings. Kept apart from config reading so tests can build any fleet. */
export function buildStack(inputs: ProgramInputs, projectDir = process.cwd()): StackOutputs {
    const { fleet, settings } = inputs;
    const stack = pulumi.getStack();
    const tags = { "iiotmon:stack": stack, "iiotmon:managed-by": "pulumi" };
    const sites: Record<string, string[]> = {};
    for (const d of fleet.devices) (sites[d.site] ??= []).push(d.name);

    const collectorSites = fleet.sites.filter((s) => s.collector);
    if (collectorSites.length && !settings.publicIngress) {
        throw new UserError(`site ${collectorSites[0].name} has a collector, which sends to the monitoring host from outside: that needs publicIngress (collectors cannot use an SSM tunnel)`);
    }
    if (collectorSites.length && settings.collectorSourceCidrs.length === 0) {
        throw new UserError(
            `site ${collectorSites[0].name} has a collector: set collectorSourceCidrs to the networks collectors connect from (their sites' outbound addresses), e.g. pulumi config set --path 'collectorSourceCidrs[0]' 198.51.100.0/24`,
        );
    }

    const size = sizeHost({ devices: fleet.devices.length, scrapeIntervalSeconds: settings.scrapeIntervalSeconds, retentionDays: settings.retentionDays, watched: watchedSizing(fleet) });
    const instanceType = settings.instanceType ?? size.instanceType;
    const dataVolumeGiB = settings.dataVolumeSizeGiB ?? size.dataVolumeGiB;
    const tooLarge = capacityWarning({
        devices: fleet.devices.length,
        sizing: size,
        pinnedInstanceType: settings.instanceType,
        pinnedDataVolumeGiB: settings.dataVolumeSizeGiB,
        retentionDays: settings.retentionDays,
        longTermStore: settings.longTermStore === "amp",
    });
    if (tooLarge) pulumi.log.warn(tooLarge);
    const overQuota = settings.longTermStore === "amp" ? ampQuotaWarning({ activeSeries: size.activeSeries, scrapeIntervalSeconds: settings.scrapeIntervalSeconds }) : undefined;
    if (overQuota) pulumi.log.warn(overQuota);
    const longTerm = settings.longTermStore === "amp" ? new LongTermStore(STACK_RESOURCES.longTermStore.component, { testStack: settings.testStack, tags }) : undefined;
    const bucket = new BackupBucket(STACK_RESOURCES.backups.component, { testStack: settings.testStack, retentionDays: settings.backupRetentionDays, tags });
    const host = new MonitoringHost(STACK_RESOURCES.host.component, {
        amiId: amiFor(settings),
        instanceType,
        dataVolumeGiB,
        subnetId: settings.subnetId,
        ingress: hostIngressRules(settings, collectorSites.length > 0),
        ...(settings.publicIngress ? {} : { sshTunnel: { host: "127.0.0.1", port: settings.sshTunnelPort } }),
        egressCidrs: settings.egressCidrs,
        backupBucketArn: bucket.bucketArn,
        testStack: settings.testStack,
        tags,
        ...(longTerm ? { longTermStoreArn: longTerm.arn } : {}),
    });

    const authority = new ScrapeAuthority(STACK_RESOURCES.scrapeAuthority.component);
    // Grafana over HTTPS only: a certificate from the stack's CA unless a domain gets one from ACME.
    const certificate = settings.grafanaDomain ? undefined : new GrafanaCertificate(STACK_RESOURCES.grafanaCertificate.component, { elasticIp: host.access.publicIp });
    const url = host.access.publicIp.apply((ip) => grafanaUrl(settings, ip));

    // Site collectors: each with its own password (stack secret); the host's proxy gets the bcrypt hashes.
    const collectorChecksums = inputs.collectorChecksums ?? loadCollectorChecksums(settings.collectorChecksumsFiles.map((f) => path.resolve(projectDir, f)));
    const receiverHost = settings.grafanaDomain ? pulumi.output(settings.grafanaDomain) : host.access.publicIp;
    const siteCollectors: Record<string, pulumi.Output<string>> = {};
    const collectorHashes: { username: string; hash: pulumi.Output<string> }[] = [];
    for (const site of fleet.sites) {
        if (!site.collector) {
            siteCollectors[site.name] = pulumi.output("monitoring host");
            continue;
        }
        const pushed = settings.collectorSource === "push" ? path.resolve(projectDir, settings.collectorTarballDir, `prometheus-${settings.collectorVersion}.linux-${fleet.devices.find((d) => d.name === site.collector!.device)?.arch}.tar.gz`) : undefined;
        const c = new SiteCollector(STACK_RESOURCES.collector(site.name).component, {
            site,
            fleet,
            secrets: inputs.secrets,
            checksums: collectorChecksums,
            install: {
                version: settings.collectorVersion,
                source: settings.collectorSource,
                downloadBaseUrl: settings.collectorDownloadBaseUrl,
                scrapeIntervalSeconds: settings.scrapeIntervalSeconds,
            },
            scrape: { caCertPem: authority.caCertPem, password: authority.password },
            remoteWriteUrl: receiverHost.apply((h) => `https://${h}:${settings.remoteWritePort}${REMOTE_WRITE_PATH}`),
            ...(certificate ? { remoteWriteCaCertPem: certificate.caCertPem } : {}),
            pushedTarball: pushed,
            dialTimeoutSeconds: settings.dialTimeoutSeconds,
        });
        siteCollectors[site.name] = c.installed.apply((r) => r.line);
        collectorHashes.push({ username: collectorUsername(site.name), hash: c.bcryptHash });
    }
    const proxyFiles = pulumi.all([host.access.publicIp, certificate?.certPem, certificate?.privateKeyPem, pulumi.all(collectorHashes.map((c) => c.hash))]).apply(([ip, cert, key, hashes]) => ({
        ...proxyConfigFiles({ settings, elasticIp: ip, collectors: collectorHashes.map((c, i) => ({ username: c.username, bcryptHash: hashes[i] })) }),
        ...(cert && key ? { [`config/caddy/tls/${CADDY_CONTAINER_PATHS.certFile.split("/").pop()}`]: cert, [`config/caddy/tls/${CADDY_CONTAINER_PATHS.keyFile.split("/").pop()}`]: key } : {}),
    }));
    const grafanaAdminPassword = inputs.grafanaSecrets?.adminPassword ?? new random.RandomPassword(STACK_RESOURCES.grafanaAdminSecret, { length: 32, special: false }).result;
    const configuration = new HostConfiguration(STACK_RESOURCES.hostConfiguration.component, {
        connection: host.access.connection,
        files: pulumi
            .all([inputs.alertSecrets?.slackWebhookUrl, inputs.alertSecrets?.webhookUrl, inputs.alertSecrets?.smtpPassword, proxyFiles, snmpSecretValues(inputs), longTerm?.prometheusEndpoint, longTerm?.region])
            .apply(([slackWebhookUrl, webhookUrl, smtpPassword, proxy, snmpSecrets, ampEndpoint, ampRegion]) => ({
                ...proxy,
                // blackbox.yml and snmp.yml (with the SNMP secrets' values): reloaded, never restarted.
                ...renderExporterConfigFiles(fleet, (name) => {
                    const value = snmpSecrets[name];
                    if (value === undefined) throw new Error(`the SNMP secret "${name}" was not loaded`);
                    return value;
                }),
                ...renderHostConfigFiles({
                    stackName: stack,
                    scrapeIntervalSeconds: settings.scrapeIntervalSeconds,
                    nodeAlertThresholds: settings.nodeAlertThresholds,
                    collectorSites: collectorSitesOf(fleet),
                    maintenance: maintenanceOwners(fleet),
                    ...(ampEndpoint && ampRegion ? { longTermStore: { workspace: { prometheusEndpoint: ampEndpoint, region: ampRegion }, activeSeries: size.activeSeries } } : {}),
                    runbookBaseUrl: settings.runbookBaseUrl,
                    alertChannels: {
                        slackWebhookUrl,
                        webhookUrl,
                        email: settings.alertEmail ? { ...settings.alertEmail, password: smtpPassword } : undefined,
                    },
                }),
            })),
        scrapeCaCertPem: authority.caCertPem,
        scrapePassword: authority.password,
        backupRepositoryPassword: bucket.repositoryPassword,
        hostId: host.instanceId,
        hostReady: host.ready,
        dataVolumeId: host.dataVolumeId,
        dataVolumeGiB: host.dataVolumeGiB,
        backupBucketName: bucket.bucketName,
        backupRegion: aws.config.region ?? "",
        backupSchedule: settings.backupSchedule,
        backupRetentionDays: settings.backupRetentionDays,
    });
    const provider = new docker.Provider(STACK_RESOURCES.dockerProvider, {
        host: host.dockerHost,
        // known_hosts names the address ssh dials: the Elastic IP, or the SSM tunnel's end as [127.0.0.1]:PORT.
        sshOpts: dockerSshOptions(stack, settings.publicIngress ? host.access.publicIp : pulumi.output(`[127.0.0.1]:${settings.sshTunnelPort}`), host.access.hostKey, host.access.adminPrivateKey),
    });
    const oauthSecret = inputs.grafanaSecrets?.oauthClientSecret;
    const services = new MonitoringServices(STACK_RESOURCES.services.component, {
        provider,
        retentionDays: settings.retentionDays,
        configuration,
        grafanaAdminPassword,
        grafanaSettings: pulumi.all([url, oauthSecret]).apply(([rootUrl, secret]) => [
            ...grafanaSettings({ rootUrl, oauth: settings.grafanaOAuth, sigV4: longTerm !== undefined }),
            ...(settings.grafanaOAuth && secret ? [`GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET=${secret}`] : []),
        ]),
        proxyBindAddress: settings.publicIngress ? "0.0.0.0" : "127.0.0.1",
        hostInstanceId: host.instanceId,
        ...(collectorSites.length ? { remoteWritePort: settings.remoteWritePort } : {}),
    });
    new GrafanaAdminPassword(STACK_RESOURCES.grafanaAdmin.component, { connection: host.access.connection, password: grafanaAdminPassword, grafana: services.grafana });

    const tarballs = new PushedTarballs(path.resolve(projectDir, settings.nodeExporterTarballDir), inputs.checksums);
    // Devices are declared in turns (declareInTurns), so everything that can refuse one is checked here
    // for all of them first: a missing pushed tarball or secret still fails the program at once, with its message.
    const declarations = fleet.devices.map((device) => {
        deviceConnection(device, inputs.secrets, settings.dialTimeoutSeconds);
        deviceScriptArgs(device, inputs.checksums, "");
        return { device, pushedTarball: device.nodeExporter.source === "push" ? tarballs.pathFor(device) : undefined };
    });
    const lines = declareInTurns(declarations, DEVICES_PER_TURN, ({ device, pushedTarball }) => {
        const component = new NodeExporterDevice(deviceResourceName(device.name), {
            device,
            secrets: inputs.secrets,
            checksums: inputs.checksums,
            authority,
            pushedTarball,
            dialTimeoutSeconds: settings.dialTimeoutSeconds,
        });
        // The stack output stays the result line as printed (`pulumi stack output devices`).
        return component.installed.apply((r) => r.line);
    });
    const devices: Record<string, pulumi.Output<string>> = Object.fromEntries(fleet.devices.map((d, i) => [d.name, lines[i]]));
    // Not after the installs: an offline device is normal, its target is how DeviceDown reports it, and
    // under --continue-on-error the engine skips every step that depends on a failed one.
    new ScrapeTargets(STACK_RESOURCES.scrapeTargets.component, {
        connection: host.access.connection,
        targetsJson: renderTargetsFile(fleet)[TARGETS_FILE],
        exporterTargets: (() => {
            const files = renderExporterTargetsFiles(fleet);
            return { blackbox: files[EXPORTER_TARGETS_FILES.blackbox], snmp: files[EXPORTER_TARGETS_FILES.snmp] };
        })(),
        fleetRecordSql: fleetSyncSql(fleet),
        dependsOn: [configuration, services],
    });

    return {
        deviceCount: fleet.devices.length,
        sites,
        devices,
        scrapeCaCertPem: authority.caCertPem,
        monitoringHostIp: host.access.publicIp,
        grafanaUrl: url,
        ...(certificate ? { grafanaCaCertPem: certificate.caCertPem } : {}),
        monitoringHostId: host.instanceId,
        grafanaAdminPassword: services.grafanaAdminPassword,
        adminSshPrivateKey: host.access.adminPrivateKey,
        backupBucket: bucket.bucketName,
        backupRepositoryPassword: bucket.repositoryPassword,
        sizing: { instanceType, dataVolumeGiB, activeSeries: size.activeSeries },
        siteCollectors,
    };
}
