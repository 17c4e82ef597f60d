import { Node } from "yaml";
import { ChecksumTable, Arch, Bastion, DEFAULT_DOWNLOAD_BASE_URL, Device, Fleet, Site, SiteCollector } from "./types";
import { canonicalAddress } from "./address";
import { didYouMean } from "./didYouMean";
import { rsaHostKeyProblem } from "../common";
import { BastionLayer, Layer, SshAuth } from "./layers";
import { checkWatch, isAgentless, resolveSnmp, WatchSpec } from "./resolveWatch";
import { AgentlessDevice } from "./watch";
import { YamlReader } from "./yamlReader";
import { MaintenanceWindow } from "./maintenance";

export const DEFAULT_NODE_EXPORTER_VERSION = "1.12.1";
export const DEFAULT_NODE_EXPORTER_PORT = 9100;
export const DEFAULT_SSH_PORT = 22;

/** Default hours a site collector buffers (issue #17: an offshore link that drops for hours). */
export const DEFAULT_OUTAGE_BUDGET_HOURS = 6;
/** A week: beyond it the agent's WAL is a disk problem, and the receiver's out-of-order window a memory one. */
export const MAX_OUTAGE_BUDGET_HOURS = 168;

export interface CollectorSpec {
    readonly device: string;
    readonly node: Node;
    /** Where the device's name is written, for messages. */
    readonly path: string;
    readonly outageBudgetHours: number;
}

export interface SiteSpec {
    readonly name: string;
    readonly region: string;
    readonly layer: Layer;
    readonly node: Node;
    readonly collector?: CollectorSpec;
    /** Windows in which the site's alerts, and its devices', are muted. */
    readonly maintenance?: readonly MaintenanceWindow[];
}

export interface DeviceSpec extends WatchSpec {
    /** A `watch:` was written but could not be read (already reported). */
    readonly watchInvalid?: boolean;
    readonly name: string;
    readonly address: string;
    readonly addressNode: Node;
    readonly site: string;
    readonly siteNode: Node;
    readonly hostKey?: string;
    /** Set when a hostKey was written, even an invalid one (already reported). */
    readonly hostKeyGiven?: boolean;
    readonly hostKeyNode?: Node;
    readonly arch?: Arch | "auto";
    readonly layer: Layer;
    readonly node: Node;
    readonly index: number;
    /** False when the name or address was invalid (already reported): checked, but never deployed. */
    readonly complete: boolean;
    readonly maintenance?: readonly MaintenanceWindow[];
}

/** The last level that says something wins. */
function last<T>(values: (T | undefined)[]): T | undefined {
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== undefined) return values[i];
    return undefined;
}

/** Later levels can switch a collector on or off again; the result is sorted for stable flags. */
function mergeCollectors(layers: Layer[]): { enable: string[]; disable: string[] } {
    const enabled = new Set<string>();
    const disabled = new Set<string>();
    for (const { nodeExporter: ne } of layers) {
        for (const c of ne.enable) {
            disabled.delete(c);
            enabled.add(c);
        }
        for (const c of ne.disable) {
            enabled.delete(c);
            disabled.add(c);
        }
    }
    return { enable: [...enabled].sort(), disable: [...disabled].sort() };
}

function mergeLabels(layers: Layer[]): Record<string, string> {
    const merged = new Map<string, string>();
    for (const l of layers) for (const [k, v] of l.labels) merged.set(k, v);
    return Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Probe and SNMP devices need addresses of their own: the same address as another device (of any kind,
 * reached directly) is one machine entered twice; its probes belong on the first entry.
 */
function uniqueAddresses(r: YamlReader, nodeDevices: readonly Device[], candidates: readonly { spec: DeviceSpec; device: AgentlessDevice }[]): AgentlessDevice[] {
    const taken = new Map<string, { index: string; name: string; line: number }>();
    for (const d of nodeDevices) if (!d.ssh.bastion) taken.set(canonicalAddress(d.address), { index: "", name: d.name, line: d.source.line });
    const out: AgentlessDevice[] = [];
    for (const { spec, device } of candidates) {
        const key = canonicalAddress(device.address);
        const other = taken.get(key);
        if (other) {
            const hint = other.index === "" ? `; to watch more of that device, add probes to "${other.name}" instead` : "; each device needs its own address";
            r.error(spec.addressNode, `devices[${spec.index}].address`, `${device.address} is also the address of "${other.name}" (line ${other.line})${hint}`);
            continue;
        }
        taken.set(key, { index: String(spec.index), name: device.name, line: device.source.line });
        out.push(device);
    }
    return out;
}

/**
 * A site's collector must be one of that site's own devices: it scrapes the site's devices from inside the
 * site's network (the reason it exists: nothing outside can reach them), and it is installed like any
 * device, over the site's SSH path. Every device of the fleet is a Linux device with systemd and
 * node_exporter, which is what the agent's installer needs.
 */
function checkCollector(r: YamlReader, site: string, c: CollectorSpec, devices: readonly Device[], specs: readonly DeviceSpec[], agentless: readonly AgentlessDevice[]): SiteCollector | undefined {
    const path = c.path;
    const spec = specs.find((d) => d.name === c.device);
    if (!spec) {
        const names = specs.map((d) => d.name);
        r.error(c.node, path, `"${c.device}" is not a device of this fleet${didYouMean(c.device, names)}; name one of site ${site}'s devices (the collector runs on it)`);
        return undefined;
    }
    if (spec.site !== site) {
        r.error(
            c.node,
            path,
            `"${c.device}" is a device of site ${spec.site}, not of ${site}: a collector scrapes its own site's devices from inside that site's network; name one of ${site}'s devices`,
        );
        return undefined;
    }
    const watched = agentless.find((d) => d.name === c.device);
    if (watched) {
        r.error(c.node, path, `"${c.device}" is watched by ${watched.watch}, not a Linux device the stack reaches over SSH: the collector is installed on it like node_exporter; name one of ${site}'s node_exporter devices`);
        return undefined;
    }
    // A device with problems of its own was reported where it is defined.
    if (!devices.some((d) => d.name === c.device)) return undefined;
    return { device: c.device, outageBudgetHours: c.outageBudgetHours };
}

/**
 * Applies defaults, then the site, then the device, and checks what only the whole fleet can tell:
 * unknown sites, missing credentials or host keys, duplicate names and addresses. Linear in devices.
 */
export function resolveDevices(
    r: YamlReader,
    defaults: Layer,
    sites: ReadonlyMap<string, SiteSpec>,
    specs: readonly DeviceSpec[],
    checksums: ChecksumTable,
): Fleet {
    const devices: Device[] = [];
    const agentless: { spec: DeviceSpec; device: AgentlessDevice }[] = [];
    const byName = new Map<string, DeviceSpec>();
    const byEndpoint = new Map<string, DeviceSpec>();
    const byHostKey = new Map<string, DeviceSpec>();
    const siteNames = [...sites.keys()];

    for (const spec of specs) {
        const path = `devices[${spec.index}]`;
        const line = (s: DeviceSpec) => r.position(s.node).line;

        const nameKey = spec.name.toLowerCase();
        const twin = spec.name ? byName.get(nameKey) : undefined;
        if (twin) {
            r.error(spec.node, `${path}.name`, `"${spec.name}" is already used by devices[${twin.index}] (line ${line(twin)}); device names must be unique`);
            continue;
        }
        if (spec.name) byName.set(nameKey, spec);

        const site = sites.get(spec.site);
        if (!site) {
            const known = siteNames.length ? `; sites are: ${siteNames.join(", ")}` : "; add it under sites:";
            r.error(spec.siteNode, `${path}.site`, `"${spec.site}" is not a site defined under sites:${didYouMean(spec.site, siteNames)}${known}`);
            continue;
        }
        const layers = [defaults, site.layer, spec.layer];
        // A `watch:` that could not be read was reported; the device's other checks would only add noise.
        if (spec.watchInvalid) continue;
        const kind = spec.watch ?? "nodeExporter";
        if (isAgentless(kind)) {
            const who = spec.name ? `"${spec.name}" ` : "the device ";
            const labels = mergeLabels(layers);
            const snmp = kind === "snmp" ? resolveSnmp(r, layers.map((l) => l.snmp), spec.node, path, who, `the device, site "${site.name}" or defaults`) : undefined;
            const fine = checkWatch(r, spec, kind, labels, snmp, path, who);
            if (!fine || !spec.complete || (kind === "snmp" && !snmp)) continue;
            agentless.push({
                spec,
                device: {
                    name: spec.name,
                    address: spec.address,
                    site: site.name,
                    region: site.region,
                    watch: kind,
                    labels,
                    probes: spec.probes ?? [],
                    ...(snmp ? { snmp } : {}),
                    ...(spec.maintenance?.length ? { maintenance: spec.maintenance } : {}),
                    source: { file: r.file, line: line(spec) },
                },
            });
            continue;
        }
        const ssh = (k: "user" | "port" | "auth" | "bastion") => last(layers.map((l) => l.ssh[k]));
        const user = ssh("user") as string | undefined;
        const auth = ssh("auth") as SshAuth | undefined;
        const port = (ssh("port") as number | undefined) ?? DEFAULT_SSH_PORT;
        const bastionLayer = ssh("bastion") as BastionLayer | undefined;
        const insecure = last(layers.map((l) => l.insecureIgnoreHostKey)) ?? false;
        const who = spec.name ? `"${spec.name}" ` : "the device ";
        const where = `the device, site "${site.name}" or defaults`;
        let ok = spec.complete;
        if (!user) {
            r.error(spec.node, path, `${who}has no SSH user; set ssh.user on ${where}`);
            ok = false;
        }
        if (!auth) {
            r.error(spec.node, path, `${who}has no SSH credential; set ssh.privateKeySecret or ssh.passwordSecret on ${where}`);
            ok = false;
        }
        if (!spec.hostKey && !spec.hostKeyGiven) {
            if (insecure) {
                r.warn(spec.node, path, `${who}has no hostKey and accepts any host key (insecureIgnoreHostKey); pin it with the output of \`ssh-keyscan -t ed25519 ${spec.address}\``);
            } else {
                r.error(spec.node, path, `${who}has no hostKey; pin the device's key (\`ssh-keyscan -t ed25519 ${spec.address}\`) or set insecureIgnoreHostKey: true on ${where}`);
                ok = false;
            }
        }
        const rsa = rsaHostKeyProblem(spec.hostKey, spec.address, port);
        if (rsa) {
            r.error(spec.hostKeyNode ?? spec.node, `${path}.hostKey`, rsa);
            ok = false;
        }
        let bastion: Bastion | undefined;
        if (bastionLayer?.address !== undefined) {
            if (bastionLayer.rsaHostKey) ok = false;
            if (!bastionLayer.hostKey && !insecure) {
                r.error(bastionLayer.node, `${path}.ssh.bastion`, `${bastionLayer.address} has no hostKey; pin it, or set insecureIgnoreHostKey: true`);
                ok = false;
            }
            const bastionAuth = bastionLayer.auth ?? auth;
            bastion = {
                address: bastionLayer.address,
                port: bastionLayer.port ?? DEFAULT_SSH_PORT,
                user: bastionLayer.user ?? user ?? "",
                ...bastionAuth,
                ...(bastionLayer.hostKey ? { hostKey: bastionLayer.hostKey } : {}),
            };
        }

        if (!spec.complete) continue;
        const sameKey = spec.hostKey ? byHostKey.get(spec.hostKey) : undefined;
        if (sameKey) {
            r.warn(spec.node, `${path}.hostKey`, `is the same as the host key of devices[${sameKey.index}] "${sameKey.name}" (line ${line(sameKey)}): devices cloned from one image share keys; regenerate them (ssh-keygen -A) on each device`);
        } else if (spec.hostKey) {
            byHostKey.set(spec.hostKey, spec);
        }
        const endpoint = `${bastion ? canonicalAddress(bastion.address) + ">" : ""}${canonicalAddress(spec.address)}:${port}`;
        const sameEndpoint = byEndpoint.get(endpoint);
        if (sameEndpoint) {
            const shown = spec.address.includes(":") ? `[${spec.address}]:${port}` : `${spec.address}:${port}`;
            r.error(spec.addressNode, `${path}.address`, `${shown} is also the address of devices[${sameEndpoint.index}] "${sameEndpoint.name}" (line ${line(sameEndpoint)}); each device needs its own address and port`);
            ok = false;
        } else {
            byEndpoint.set(endpoint, spec);
        }

        const version = last(layers.map((l) => l.nodeExporter.version)) ?? DEFAULT_NODE_EXPORTER_VERSION;
        const arch = spec.arch ?? "auto";
        if (arch !== "auto" && !checksums.get(version)?.has(arch)) {
            r.error(spec.node, path, `node_exporter ${version} has no checksum for ${arch} in provisioners/node-exporter.sha256sums; add the official line`);
            ok = false;
        }
        const source = last(layers.map((l) => l.nodeExporter.source)) ?? "download";
        if (source === "push" && arch === "auto") {
            r.error(spec.node, path, `${who}uses source: push, which needs a pinned arch (the tarball is chosen before connecting); set arch on the device`);
            ok = false;
        }
        if (!checkWatch(r, spec, kind, mergeLabels(layers), undefined, path, who)) ok = false;
        if (!ok || !user || !auth) continue;

        devices.push({
            name: spec.name,
            address: spec.address,
            site: site.name,
            region: site.region,
            ...(spec.hostKey ? { hostKey: spec.hostKey } : {}),
            insecureIgnoreHostKey: insecure,
            arch,
            labels: mergeLabels(layers),
            ssh: { user, port, ...auth, ...(bastion ? { bastion } : {}) },
            nodeExporter: {
                version,
                port: last(layers.map((l) => l.nodeExporter.port)) ?? DEFAULT_NODE_EXPORTER_PORT,
                collectors: mergeCollectors(layers),
                source,
                downloadBaseUrl: last(layers.map((l) => l.nodeExporter.downloadBaseUrl)) ?? DEFAULT_DOWNLOAD_BASE_URL,
                takeOver: last(layers.map((l) => l.nodeExporter.takeOver)) ?? false,
            },
            ...(spec.probes?.length ? { probes: spec.probes } : {}),
            ...(spec.maintenance?.length ? { maintenance: spec.maintenance } : {}),
            source: { file: r.file, line: line(spec) },
        });
    }
    const usedSites: Site[] = [...sites.values()].map((s) => {
        const collector = s.collector && checkCollector(r, s.name, s.collector, devices, specs, agentless.map((a) => a.device));
        return { name: s.name, region: s.region, ...(collector ? { collector } : {}), ...(s.maintenance ? { maintenance: s.maintenance } : {}) };
    });
    // Probes and SNMP polls start at the monitoring host, which a collector site's network may not let in.
    for (const { spec, device } of agentless) {
        if (usedSites.some((s) => s.name === device.site && s.collector)) {
            r.warn(spec.node, `devices[${spec.index}]`, `"${device.name}" is watched by ${device.watch} from the monitoring host, but site ${device.site} is scraped by its collector: the host must reach ${device.address} itself (the collector does not probe)`);
        }
    }
    return { file: r.file, sites: usedSites, devices, agentless: uniqueAddresses(r, devices, agentless) };
}
