import { isMap, isScalar, LineCounter, Node, parseDocument } from "yaml";
import { ChecksumTable, Fleet } from "./types";
import { emptyLayer, Layer, LayerReader } from "./layers";
import { byPosition, FleetProblem } from "./problems";
import { CollectorSpec, DEFAULT_OUTAGE_BUDGET_HOURS, MAX_OUTAGE_BUDGET_HOURS, resolveDevices, DeviceSpec, SiteSpec } from "./resolveDevices";
import { SSH_ONLY_KEYS } from "./resolveWatch";
import { WatchReader } from "./watchReader";
import { YamlReader } from "./yamlReader";
import { readMaintenance } from "./maintenanceReader";
import { MaintenanceWindow } from "./maintenance";

export const SUPPORTED_VERSION = 1;
/** Large enough for tens of thousands of devices, small enough that a wrong file fails at once. */
export const MAX_FLEET_BYTES = 16 * 1024 * 1024;

export interface FleetParseResult {
    /** Present only when there is no error. */
    readonly fleet?: Fleet;
    /** Errors and warnings, in file order. */
    readonly problems: readonly FleetProblem[];
}

export interface ParseOptions {
    /** The name used in messages, as the user would type it. */
    readonly file: string;
    readonly checksums: ChecksumTable;
}

function problemAtStart(file: string, message: string): FleetParseResult {
    return { problems: [{ severity: "error", file, line: 1, col: 1, path: "", message }] };
}

/** Parses and validates an endpoints.yaml text: every problem at once, a fleet only when there is no error. */
export function parseFleet(text: string, opts: ParseOptions): FleetParseResult {
    const { file } = opts;
    if (Buffer.byteLength(text) > MAX_FLEET_BYTES) {
        return problemAtStart(file, `the file is larger than ${MAX_FLEET_BYTES / 1024 / 1024} MiB; is it really a fleet file?`);
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
        return {
            problems: doc.errors.map((e) => {
                const pos = lines.linePos(e.pos[0]);
                const first = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
                return { severity: "error" as const, file, line: pos.line, col: pos.col, path: "", message: `YAML syntax error: ${first}` };
            }),
        };
    }
    const r = new YamlReader(file, doc, lines);
    const contents = doc.contents as Node | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) {
        return problemAtStart(file, "the file is empty; a fleet needs at least `version: 1`, `sites:` and `devices:`");
    }
    const root = r.map(contents, "", "a mapping with version, defaults, sites and devices");
    if (!root) return { problems: r.problems };

    const layers = new LayerReader(r, opts.checksums);
    const defaults = emptyLayer();
    const sites = new Map<string, SiteSpec>();
    const devices: DeviceSpec[] = [];
    let version: number | undefined;

    const seen = r.fields(root, "", {
        version: (v, p) => {
            if (isScalar(v) && typeof v.value === "number" && v.value !== SUPPORTED_VERSION) {
                r.error(v, p, `${String(v.value)} is not supported; this tool reads version ${SUPPORTED_VERSION}`);
                return;
            }
            if (isScalar(v) && v.value === SUPPORTED_VERSION) version = SUPPORTED_VERSION;
            else r.error(v, p, `must be the number ${SUPPORTED_VERSION} (unquoted), found ${r.describe(v)}`);
        },
        defaults: (v, p) => {
            const map = r.map(v, p);
            if (map) r.fields(map, p, layers.common(defaults), layers.secretKeyGuard);
        },
        sites: (v, p) => readSites(r, layers, v, p, sites),
        devices: (v, p) => readDevices(r, layers, v, p, devices),
    });
    r.requireKeys(root, "", seen, ["version", "devices"]);

    const fleet = version === undefined ? undefined : resolveDevices(r, defaults, sites, devices, opts.checksums);
    const problems = [...r.problems].sort(byPosition);
    const hasError = problems.some((p) => p.severity === "error");
    return { fleet: hasError ? undefined : fleet, problems };
}

function readSites(r: YamlReader, layers: LayerReader, node: Node, path: string, into: Map<string, SiteSpec>): void {
    const map = r.map(node, path, "a mapping from site name to its settings");
    if (!map) return;
    for (const pair of map.items) {
        const keyNode = r.deref(pair.key);
        if (!isScalar(keyNode) || typeof keyNode.value !== "string") {
            r.error(keyNode, path, "has a site name that is not plain text");
            continue;
        }
        const name = keyNode.value;
        const sitePath = `${path}.${name}`;
        const siteMap = r.map(r.deref(pair.value) ?? keyNode, sitePath, "a mapping with region, labels, ssh, nodeExporter, collector");
        if (!siteMap) continue;
        const layer: Layer = emptyLayer();
        let region: string | undefined;
        let collector: CollectorSpec | undefined;
        let maintenance: MaintenanceWindow[] | undefined;
        const seen = r.fields(
            siteMap,
            sitePath,
            {
                region: (v, p) => (region = r.string(v, p)),
                collector: (v, p) => (collector = readCollector(r, v, p)),
                maintenance: (v, p) => (maintenance = readMaintenance(r, v, p)),
                ...layers.common(layer),
            },
            layers.secretKeyGuard,
        );
        r.requireKeys(siteMap, sitePath, seen, ["region"]);
        into.set(name, { name, region: region ?? "", layer, node: keyNode, ...(collector ? { collector } : {}), ...(maintenance?.length ? { maintenance } : {}) });
    }
}

/** `collector: <device>` or `collector: {device: <device>, outageBudgetHours: <hours>}`. */
function readCollector(r: YamlReader, node: Node, path: string): CollectorSpec | undefined {
    const v = r.deref(node) ?? node;
    if (isScalar(v) && typeof v.value === "string") return { device: v.value, node: v, path, outageBudgetHours: DEFAULT_OUTAGE_BUDGET_HOURS };
    const map = r.map(v, path, "the name of one of the site's devices, or a mapping with device and outageBudgetHours");
    if (!map) return undefined;
    let device: string | undefined;
    let deviceNode: Node = map;
    let hours = DEFAULT_OUTAGE_BUDGET_HOURS;
    const seen = r.fields(map, path, {
        device: (d, p) => ((device = r.string(d, p)), (deviceNode = d)),
        outageBudgetHours: (h, p) => {
            const hv = r.deref(h);
            if (isScalar(hv) && typeof hv.value === "number" && hv.value > 0 && hv.value <= MAX_OUTAGE_BUDGET_HOURS) hours = hv.value;
            else r.error(h, p, `must be a number of hours above 0 and at most ${MAX_OUTAGE_BUDGET_HOURS} (the collector's disk holds every sample of the outage), found ${r.describe(h)}`);
        },
    });
    r.requireKeys(map, path, seen, ["device"]);
    return device === undefined ? undefined : { device, node: deviceNode, path: `${path}.device`, outageBudgetHours: hours };
}

function readDevices(r: YamlReader, layers: LayerReader, node: Node, path: string, into: DeviceSpec[]): void {
    const list = r.seq(node, path, "a list of devices");
    if (!list) return;
    list.items.forEach((item, index) => {
        const devicePath = `${path}[${index}]`;
        const map = r.map(r.deref(item), devicePath, "a device (a mapping with name, address, site, hostKey...)");
        if (!map || !isMap(map)) return;
        const layer: Layer = emptyLayer();
        const spec: { -readonly [K in keyof DeviceSpec]?: DeviceSpec[K] } = { layer, node: map, index };
        const watchReader = new WatchReader(r);
        const seen = r.fields(
            map,
            devicePath,
            {
                name: (v, p) => (spec.name = layers.deviceName(v, p)),
                address: (v, p) => ((spec.address = layers.address(v, p)), (spec.addressNode = v)),
                site: (v, p) => ((spec.site = r.string(v, p)), (spec.siteNode = v)),
                hostKey: (v, p) => ((spec.hostKey = layers.hostKey(v, p)), (spec.hostKeyGiven = true), (spec.hostKeyNode = v)),
                arch: (v, p) => (spec.arch = layers.arch(v, p)),
                watch: (v, p) => ((spec.watch = watchReader.watch(v, p)), (spec.watchNode = v)),
                probes: (v, p) => ((spec.probes = watchReader.probes(v, p)), (spec.probesNode = v)),
                maintenance: (v, p) => (spec.maintenance = readMaintenance(r, v, p)),
                ...layers.common(layer),
            },
            layers.secretKeyGuard,
        );
        r.requireKeys(map, devicePath, seen, ["name", "address", "site"]);
        // Where the keys that only node_exporter over SSH reads are written, for a probe or SNMP device.
        const keyNode = (key: string) => map.items.map((pair) => r.deref(pair.key)).find((k) => isScalar(k) && k.value === key);
        spec.sshOnlyKeys = SSH_ONLY_KEYS.filter((k) => seen.has(k)).map((key) => ({ key, node: keyNode(key)! }));
        if (seen.has("snmp")) spec.snmpNode = keyNode("snmp");
        spec.watchInvalid = seen.has("watch") && spec.watch === undefined;
        // A device with a bad name or address is still resolved, so its other problems show in the same run.
        if (spec.site !== undefined) {
            const complete = spec.name !== undefined && spec.address !== undefined;
            into.push({ ...spec, name: spec.name ?? "", address: spec.address ?? "", complete } as DeviceSpec);
        }
    });
}
