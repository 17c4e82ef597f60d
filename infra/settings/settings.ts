import * as fs from "fs";
import { isIPv4, isIPv6 } from "net";
import * as path from "path";
import { NODE_ALERT_DEFAULTS, NodeAlertThresholds } from "./nodeAlertThresholds";
import { PROJECT_ROOT, UserError } from "../common";
import { collectorSettings, CollectorSettings } from "./collectorSettings";

/** Everything the stack reads from `Pulumi.<stack>.yaml`, typed and checked. Declared in Pulumi.yaml's `config:` block. */
export interface StackSettings extends CollectorSettings {
    /** The fleet file, relative to the project. Defaults to "endpoints.yaml". */
    readonly fleetFile: string;
    /** Extra sha256sums files for node_exporter builds of your own (a site mirror, the lab). Defaults to none. */
    readonly nodeExporterChecksumsFiles: readonly string[];
    /** Where release tarballs for "push" devices are on the deployer's machine. Defaults to ".cache/node_exporter". */
    readonly nodeExporterTarballDir: string;
    /** A throw-away stack: everything may be destroyed, data included. Defaults to false (production). */
    readonly testStack: boolean;
    /** CIDRs allowed to reach Grafana and SSH on the monitoring host. Defaults to none. */
    readonly adminCidrs: readonly string[];
    /** Where the monitoring host may connect to: devices, package mirrors, S3. Defaults to anywhere. */
    readonly egressCidrs: readonly string[];
    /** Seconds between scrapes of each device. Defaults to 30. */
    readonly scrapeIntervalSeconds: number;
    /** EC2 instance type; undefined means "sized from the fleet". */
    readonly instanceType?: string;
    /** Data volume size in GiB; undefined means "sized from the fleet and retention". */
    readonly dataVolumeSizeGiB?: number;
    /** Pinned AMI of the monitoring host, so a new image never surprises a `pulumi up`. */
    readonly amiId?: string;
    /** Subnet of the monitoring host; undefined means the default VPC. */
    readonly subnetId?: string;
    /** Prometheus retention on the host. Defaults to 30; with longTermStore amp a few days are enough. */
    readonly retentionDays: number;
    /** Where history is kept besides the host: "none", or "amp" (an Amazon Managed Service for Prometheus workspace). Defaults to none. */
    readonly longTermStore: "none" | "amp";
    /** How long backups stay in the bucket. Defaults to 90. */
    readonly backupRetentionDays: number;
    /** systemd OnCalendar expression of the backup job. Defaults to "*-*-* 02:30:00". */
    readonly backupSchedule: string;
    /** Alert e-mail: recipients, sender, SMTP server (host:port) and user; empty means no e-mail. */
    readonly alertEmail?: { readonly to: string; readonly from: string; readonly smarthost: string; readonly username?: string };
    /** How long to keep dialing an unreachable device before failing it, in seconds. Defaults to 60. */
    readonly dialTimeoutSeconds: number;
    /** The node alerts' tunable thresholds, one setting each under the node mixin's names. Defaults to the mixin's. */
    readonly nodeAlertThresholds: NodeAlertThresholds;
    /** Grafana's DNS name (an A record to the Elastic IP); certificates then come from an ACME CA. Undefined: the stack's CA signs a certificate for the Elastic IP. */
    readonly grafanaDomain?: string;
    /** The ACME directory used with grafanaDomain. Defaults to Let's Encrypt's production directory. */
    readonly acmeCaUrl: string;
    /** Contact address given to the ACME CA (expiry notices). Defaults to none. */
    readonly acmeEmail?: string;
    /** PEM of the root certificate(s) of a private ACME CA (step-ca, Pebble) at acmeCaUrl, which Caddy then trusts for it. Defaults to none (a public CA). */
    readonly acmeCaRootPem?: string;
    /** Who may reach port 80 for ACME's HTTP-01 challenge, with grafanaDomain. Defaults to anywhere (Let's Encrypt validates from many places). */
    readonly acmeChallengeCidrs: readonly string[];
    /** false: no ingress rule at all; Grafana and SSH only through AWS SSM port forwarding. Defaults to true. */
    readonly publicIngress: boolean;
    /** With publicIngress false: the local port of the SSM tunnel to the host's SSH, which `pulumi up` connects to. Defaults to 2222. */
    readonly sshTunnelPort: number;
    /** With publicIngress false: the local port of the SSM tunnel to the host's HTTPS (Grafana's URL). Defaults to 8443. */
    readonly grafanaTunnelPort: number;
    /** Single sign-on (Grafana's generic OAuth / OIDC); its client secret is the stack secret oauthClientSecret. */
    readonly grafanaOAuth?: GrafanaOAuthSettings;
    /** Where each alert's runbook_url points: this base followed by `<AlertName>.md`. Defaults to the repository's docs/runbooks/. */
    readonly runbookBaseUrl: string;
}

/** Grafana's generic OAuth client, for Entra ID, Google, GitHub, Okta, Keycloak and the like. */
export interface GrafanaOAuthSettings {
    /** The button label on Grafana's login page. */
    readonly name: string;
    readonly clientId: string;
    readonly authUrl: string;
    readonly tokenUrl: string;
    /** The userinfo endpoint; optional with OIDC providers whose ID token carries the claims. */
    readonly apiUrl?: string;
    /** Space-separated scopes. */
    readonly scopes: string;
    /** JMESPath over the token/userinfo claims giving "Admin", "Editor" or "Viewer"; undefined: everyone signs in as Viewer. */
    readonly roleAttributePath?: string;
}

/**
 * The runbooks of the repository package.json names (repository.url), on its main branch: the one place the
 * project's address is written, so a fork that changes it gets links to its own pages.
 */
function repositoryRunbooks(): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { repository?: { url?: string } };
    const url = pkg.repository?.url?.replace(/^git\+/, "").replace(/\.git$/, "");
    if (!url) throw new Error("package.json has no repository.url, from which the default of runbookBaseUrl derives");
    return `${url}/blob/main/docs/runbooks/`;
}

export const SETTING_DEFAULTS = {
    fleetFile: "endpoints.yaml",
    nodeExporterTarballDir: ".cache/node_exporter",
    testStack: false,
    retentionDays: 30,
    longTermStore: "none",
    backupRetentionDays: 90,
    backupSchedule: "*-*-* 02:30:00",
    dialTimeoutSeconds: 60,
    scrapeIntervalSeconds: 30,
    nodeAlertThresholds: NODE_ALERT_DEFAULTS,
    acmeCaUrl: "https://acme-v02.api.letsencrypt.org/directory",
    acmeChallengeCidrs: ["0.0.0.0/0", "::/0"],
    publicIngress: true,
    sshTunnelPort: 2222,
    grafanaTunnelPort: 8443,
    runbookBaseUrl: repositoryRunbooks(),
} as const;

/** Range of each node alert threshold setting: percentages, load per core, IO queue length. */
const THRESHOLD_RANGES: Record<keyof NodeAlertThresholds, [number, number]> = {
    fsSpaceFillingUpWarningThreshold: [1, 99],
    fsSpaceFillingUpCriticalThreshold: [1, 99],
    fsSpaceAvailableWarningThreshold: [1, 99],
    fsSpaceAvailableCriticalThreshold: [1, 99],
    cpuHighUsageThreshold: [1, 100],
    systemSaturationPerCoreThreshold: [1, 100],
    memoryHighUtilizationThreshold: [1, 100],
    diskIOSaturationThreshold: [1, 1000],
};

/** Defaults of the single sign-on settings, applied when oauthClientId is set. */
export const OAUTH_DEFAULTS = { name: "Single sign-on", scopes: "openid email profile" } as const;

export class SettingsError extends UserError {
    constructor(readonly problems: readonly string[]) {
        super(`invalid stack settings:\n${problems.map((p) => `  ${p}`).join("\n")}`);
        this.name = "SettingsError";
    }
}

/** Reads one raw setting (as Pulumi stores it: text, arrays as JSON); undefined when unset. */
export type RawSettings = (key: string) => string | undefined;

export function cidrProblem(cidr: string): string | undefined {
    const m = /^(.+)\/(\d{1,3})$/.exec(cidr);
    if (!m) return `"${cidr}" is not a CIDR (address/prefix, e.g. 203.0.113.0/24)`;
    const [, ip, bits] = m;
    const max = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : -1;
    if (max < 0) return `"${cidr}" does not start with an IPv4 or IPv6 address`;
    if (Number(bits) > max) return `"${cidr}" has a prefix longer than ${max}`;
    return undefined;
}

/**
 * Parses and checks the stack settings; every problem is reported at once, named by its config key
 * (`project:key`) so it can be fixed with `pulumi config set`.
 */
export function parseSettings(raw: RawSettings, project = "iiot-monitoring"): StackSettings {
    const problems: string[] = [];
    const key = (k: string) => `${project}:${k}`;
    const fail = (k: string, msg: string) => problems.push(`${key(k)} ${msg}`);

    const text = (k: string): string | undefined => {
        const v = raw(k);
        return v === undefined || v.trim() === "" ? undefined : v.trim();
    };
    const int = (k: string, def: number | undefined, min: number, max: number): number | undefined => {
        const v = text(k);
        if (v === undefined) return def;
        if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
            fail(k, `must be a whole number from ${min} to ${max}, found "${v}"`);
            return def;
        }
        return Number(v);
    };
    const bool = (k: string, def: boolean): boolean => {
        const v = text(k);
        if (v === undefined) return def;
        if (v !== "true" && v !== "false") {
            fail(k, `must be true or false, found "${v}"`);
            return def;
        }
        return v === "true";
    };
    const list = (k: string): string[] => {
        const v = text(k);
        if (v === undefined) return [];
        try {
            const parsed: unknown = JSON.parse(v);
            if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed as string[];
        } catch {
            // reported below
        }
        fail(k, `must be a list of strings (in Pulumi.<stack>.yaml a YAML list, or: pulumi config set --path '${k}[0]' VALUE), found ${v}`);
        return [];
    };
    const pattern = (k: string, re: RegExp, what: string): string | undefined => {
        const v = text(k);
        if (v !== undefined && !re.test(v)) fail(k, `"${v}" is not ${what}`);
        return v;
    };

    /** 0 is Pulumi.yaml's way of saying "not set": size from the fleet. */
    const volumeSize = (gib: number | undefined): number | undefined => {
        if (!gib) return undefined;
        if (gib < 8) fail("dataVolumeSizeGiB", `must be 0 (sized from the fleet) or at least 8, found ${gib}`);
        return gib;
    };
    const cidrs = (k: string, def: string[]) => {
        const given = text(k) === undefined ? def : list(k);
        given.forEach((c, i) => {
            const p = cidrProblem(c);
            if (p) fail(`${k}[${i}]`, p);
        });
        return given;
    };
    function thresholds(): NodeAlertThresholds {
        const t = Object.fromEntries(
            (Object.keys(THRESHOLD_RANGES) as (keyof NodeAlertThresholds)[]).map((k) => [k, int(k, NODE_ALERT_DEFAULTS[k], ...THRESHOLD_RANGES[k]) ?? NODE_ALERT_DEFAULTS[k]]),
        ) as unknown as NodeAlertThresholds;
        // A critical level the warning never reaches first would page without warning.
        for (const kind of ["fsSpaceFillingUp", "fsSpaceAvailable"] as const) {
            const warning = t[`${kind}WarningThreshold`];
            const critical = t[`${kind}CriticalThreshold`];
            if (critical >= warning) fail(`${kind}CriticalThreshold`, `(${critical}% free) must be below ${kind}WarningThreshold (${warning}% free)`);
        }
        return t;
    }
    const adminCidrs = cidrs("adminCidrs", []);
    const egressCidrs = cidrs("egressCidrs", ["0.0.0.0/0"]);
    const settings: Omit<StackSettings, keyof ReturnType<typeof grafanaAccess> | keyof CollectorSettings> = {
        fleetFile: text("fleetFile") ?? SETTING_DEFAULTS.fleetFile,
        nodeExporterChecksumsFiles: list("nodeExporterChecksumsFiles"),
        nodeExporterTarballDir: text("nodeExporterTarballDir") ?? SETTING_DEFAULTS.nodeExporterTarballDir,
        testStack: bool("testStack", SETTING_DEFAULTS.testStack),
        adminCidrs,
        egressCidrs,
        scrapeIntervalSeconds: int("scrapeIntervalSeconds", SETTING_DEFAULTS.scrapeIntervalSeconds, 5, 300) ?? SETTING_DEFAULTS.scrapeIntervalSeconds,
        instanceType: pattern("instanceType", /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an EC2 instance type like t3.medium"),
        dataVolumeSizeGiB: volumeSize(int("dataVolumeSizeGiB", 0, 0, 16384)),
        amiId: pattern("amiId", /^ami-[0-9a-f]{8,17}$/, "an AMI id like ami-0123456789abcdef0"),
        subnetId: pattern("subnetId", /^subnet-[0-9a-f]{8,17}$/, "a subnet id like subnet-0123456789abcdef0"),
        retentionDays: int("retentionDays", SETTING_DEFAULTS.retentionDays, 1, 3650) ?? SETTING_DEFAULTS.retentionDays,
        longTermStore: longTermStore(text("longTermStore"), fail),
        backupRetentionDays: int("backupRetentionDays", SETTING_DEFAULTS.backupRetentionDays, 1, 3650) ?? SETTING_DEFAULTS.backupRetentionDays,
        backupSchedule: pattern("backupSchedule", /^[A-Za-z0-9*:,./ -]+$/, "a systemd OnCalendar expression like *-*-* 02:30:00") ?? SETTING_DEFAULTS.backupSchedule,
        dialTimeoutSeconds: int("dialTimeoutSeconds", SETTING_DEFAULTS.dialTimeoutSeconds, 5, 600) ?? SETTING_DEFAULTS.dialTimeoutSeconds,
        nodeAlertThresholds: thresholds(),
        // Ends with "/": the alert's page name is appended as it is.
        runbookBaseUrl: pattern("runbookBaseUrl", /^https?:\/\/\S+\/$/, "an http(s) URL ending with / (the folder of the runbook pages)") ?? SETTING_DEFAULTS.runbookBaseUrl,
    };
    const emailTo = text("alertEmailTo");
    const emailFrom = text("alertEmailFrom");
    const smarthost = pattern("alertSmtpSmarthost", /^[A-Za-z0-9.-]+:\d{1,5}$/, "an SMTP server as host:port, e.g. smtp.example.com:587");
    const smtpUser = text("alertSmtpUsername");
    if (emailTo && (!emailFrom || !smarthost)) fail("alertEmailTo", "needs alertEmailFrom and alertSmtpSmarthost too");
    const email = emailTo && emailFrom && smarthost ? { alertEmail: { to: emailTo, from: emailFrom, smarthost, ...(smtpUser ? { username: smtpUser } : {}) } } : {};
    const access = grafanaAccess(text, bool, int, cidrs, fail);
    const collectors = collectorSettings(text, bool, int, list, cidrs, fail);
    if (problems.length) throw new SettingsError(problems);
    return { ...settings, ...email, ...access, ...collectors };
}

function longTermStore(v: string | undefined, fail: (k: string, msg: string) => void): StackSettings["longTermStore"] {
    if (v === undefined || v === "none" || v === "amp") return v ?? SETTING_DEFAULTS.longTermStore;
    fail("longTermStore", `must be none or amp, found "${v}"`);
    return SETTING_DEFAULTS.longTermStore;
}

/** One or more PEM certificate blocks and whitespace between them, nothing else. */
const PEM_CERTIFICATES = /^(?:-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The settings of how people reach Grafana (domain and ACME, public ingress, SSO); every key is read, set or not. */
function grafanaAccess(
    text: (k: string) => string | undefined,
    bool: (k: string, def: boolean) => boolean,
    int: (k: string, def: number | undefined, min: number, max: number) => number | undefined,
    cidrs: (k: string, def: string[]) => string[],
    fail: (k: string, msg: string) => void,
): Pick<StackSettings, "grafanaDomain" | "acmeCaUrl" | "acmeEmail" | "acmeCaRootPem" | "acmeChallengeCidrs" | "publicIngress" | "sshTunnelPort" | "grafanaTunnelPort" | "grafanaOAuth"> {
    const domain = text("grafanaDomain")?.toLowerCase();
    if (domain !== undefined && !HOSTNAME.test(domain)) fail("grafanaDomain", `"${domain}" is not a DNS name like grafana.example.com (an IP address needs no setting: the stack's CA signs a certificate for the Elastic IP)`);
    const https = (k: string): string | undefined => {
        const v = text(k);
        if (v !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(v)) fail(k, `"${v}" is not an https:// URL`);
        return v;
    };
    const acmeCaUrl = https("acmeCaUrl") ?? SETTING_DEFAULTS.acmeCaUrl;
    const acmeEmail = text("acmeEmail");
    if (acmeEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(acmeEmail)) fail("acmeEmail", `"${acmeEmail}" is not an e-mail address`);
    const acmeCaRootPem = text("acmeCaRootPem");
    if (acmeCaRootPem !== undefined) {
        // Nothing but certificates: a private key pasted by mistake must not reach the host's config.
        if (!PEM_CERTIFICATES.test(acmeCaRootPem)) fail("acmeCaRootPem", "must be one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), e.g. pulumi config set acmeCaRootPem -- \"$(cat root_ca.crt)\"");
        if (domain === undefined) fail("acmeCaRootPem", "is only used with grafanaDomain (certificates from an ACME CA); without a domain the stack's own CA signs Grafana's certificate");
    }
    const acmeChallengeCidrs = cidrs("acmeChallengeCidrs", [...SETTING_DEFAULTS.acmeChallengeCidrs]);
    const publicIngress = bool("publicIngress", SETTING_DEFAULTS.publicIngress);
    if (!publicIngress && domain !== undefined) {
        fail("grafanaDomain", "needs publicIngress: the ACME CA validates the domain over port 80 (HTTP-01); without public ingress, leave grafanaDomain empty and the stack's CA signs Grafana's certificate");
    }
    const sshTunnelPort = int("sshTunnelPort", SETTING_DEFAULTS.sshTunnelPort, 1024, 65535) ?? SETTING_DEFAULTS.sshTunnelPort;
    const grafanaTunnelPort = int("grafanaTunnelPort", SETTING_DEFAULTS.grafanaTunnelPort, 1024, 65535) ?? SETTING_DEFAULTS.grafanaTunnelPort;
    if (sshTunnelPort === grafanaTunnelPort) fail("grafanaTunnelPort", `must differ from sshTunnelPort (${sshTunnelPort})`);

    const clientId = text("oauthClientId");
    const name = text("oauthName") ?? OAUTH_DEFAULTS.name;
    const authUrl = https("oauthAuthUrl");
    const tokenUrl = https("oauthTokenUrl");
    const apiUrl = https("oauthApiUrl");
    const scopes = text("oauthScopes") ?? OAUTH_DEFAULTS.scopes;
    const roleAttributePath = text("oauthRoleAttributePath");
    let grafanaOAuth: GrafanaOAuthSettings | undefined;
    if (clientId !== undefined) {
        if (!authUrl) fail("oauthAuthUrl", "is required with oauthClientId (the provider's authorization endpoint)");
        if (!tokenUrl) fail("oauthTokenUrl", "is required with oauthClientId (the provider's token endpoint)");
        if (authUrl && tokenUrl) grafanaOAuth = { name, clientId, authUrl, tokenUrl, scopes, ...(apiUrl ? { apiUrl } : {}), ...(roleAttributePath ? { roleAttributePath } : {}) };
    } else if (authUrl || tokenUrl || apiUrl || roleAttributePath) {
        fail("oauthClientId", "is required when any oauth* setting is given");
    }
    return {
        ...(domain !== undefined ? { grafanaDomain: domain } : {}),
        acmeCaUrl,
        ...(acmeEmail !== undefined ? { acmeEmail } : {}),
        ...(acmeCaRootPem !== undefined ? { acmeCaRootPem: `${acmeCaRootPem}\n` } : {}),
        acmeChallengeCidrs,
        publicIngress,
        sshTunnelPort,
        grafanaTunnelPort,
        ...(grafanaOAuth ? { grafanaOAuth } : {}),
    };
}
