import { Node, YAMLMap } from "yaml";
import { ChecksumTable, ARCHES, Arch, BinarySource, SOURCES } from "./types";
import { addressProblem } from "./address";
import { closest, didYouMean } from "./didYouMean";
import { COLLECTOR_NAME, KNOWN_COLLECTORS } from "./collectors";
import { parseHostKey, formatHostKey, rsaHostKeyProblem } from "../common";
import { labelNameProblem } from "./labels";
import { isSecretName, looksLikeSecretKey, storeSecretAdvice } from "./secrets";
import { SnmpLayer, WatchReader } from "./watchReader";
import { YamlReader } from "./yamlReader";

/** SSH credentials as one unit: a level that names one replaces both of the level below. */
export interface SshAuth {
    readonly privateKeySecret?: string;
    readonly passwordSecret?: string;
}

export interface BastionLayer {
    readonly node: Node;
    readonly address?: string;
    readonly port?: number;
    readonly user?: string;
    readonly auth?: SshAuth;
    readonly hostKey?: string;
    /** An ssh-rsa host key was pinned (already reported): devices behind this bastion cannot be reached. */
    readonly rsaHostKey?: boolean;
}

/** What one level (defaults, a site, a device) says; undefined means "not said here". */
export interface Layer {
    ssh: { user?: string; port?: number; auth?: SshAuth; bastion?: BastionLayer };
    nodeExporter: {
        version?: string;
        port?: number;
        enable: string[];
        disable: string[];
        source?: BinarySource;
        downloadBaseUrl?: string;
        takeOver?: boolean;
    };
    labels: Map<string, string>;
    insecureIgnoreHostKey?: boolean;
    /** SNMP settings shared by the level's SNMP devices (credentials by secret names). */
    snmp: SnmpLayer;
}

export function emptyLayer(): Layer {
    return { ssh: {}, nodeExporter: { enable: [], disable: [] }, labels: new Map(), snmp: {} };
}

const DEVICE_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const URL_SAFE = /^https?:\/\/[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$/;

/** Field readers shared by defaults, sites and devices. */
export class LayerReader {
    constructor(
        private readonly r: YamlReader,
        private readonly checksums: ChecksumTable,
    ) {}

    /** Explains secrets pasted under a key where only a secret's name may go. */
    secretKeyGuard = (key: string, keyNode: Node, path: string): boolean => {
        if (!looksLikeSecretKey(key)) return false;
        const kind = /pass/i.test(key) ? "password" : "privateKey";
        this.r.error(
            keyNode,
            path,
            `looks like a secret, and secrets must never be in this file; ${storeSecretAdvice(kind)}`,
        );
        return true;
    };

    secretName(node: Node, path: string, kind: "privateKey" | "password"): string | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        if (!isSecretName(v)) {
            this.r.error(node, path, `must be the name of a Pulumi secret config key, not the secret itself; ${storeSecretAdvice(kind)}`);
            return undefined;
        }
        return v;
    }

    port(node: Node, path: string): number | undefined {
        return this.r.integer(node, path, 1, 65535);
    }

    address(node: Node, path: string): string | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        const problem = addressProblem(v);
        if (problem) {
            this.r.error(node, path, problem);
            return undefined;
        }
        return v;
    }

    hostKey(node: Node, path: string): string | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        const key = parseHostKey(v);
        if (typeof key === "string") {
            this.r.error(node, path, key);
            return undefined;
        }
        return formatHostKey(key);
    }

    deviceName(node: Node, path: string): string | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        if (!DEVICE_NAME.test(v)) {
            const hint = DEVICE_NAME.test(v.toLowerCase()) ? ` (try "${v.toLowerCase()}")` : "";
            this.r.error(
                node,
                path,
                `"${v}" is not a usable device name: 1 to 63 lowercase letters, digits, "-", "_" or ".", starting with a letter or digit${hint}`,
            );
            return undefined;
        }
        return v;
    }

    arch(node: Node, path: string): Arch | "auto" | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        const allowed = ["auto", ...ARCHES];
        if (!allowed.includes(v)) {
            this.r.error(node, path, `"${v}" is not a supported arch${didYouMean(v, allowed)}; use one of ${allowed.join(", ")}`);
            return undefined;
        }
        return v as Arch | "auto";
    }

    private auth(map: YAMLMap<Node, Node>, path: string, into: { auth?: SshAuth }, read: (key: string) => Node | undefined): void {
        const keyNode = read("privateKeySecret");
        const pwNode = read("passwordSecret");
        if (keyNode && pwNode) {
            this.r.error(map, path, "sets both privateKeySecret and passwordSecret; choose one");
            return;
        }
        if (keyNode) {
            const v = this.secretName(keyNode, `${path}.privateKeySecret`, "privateKey");
            if (v !== undefined) into.auth = { privateKeySecret: v };
        } else if (pwNode) {
            const v = this.secretName(pwNode, `${path}.passwordSecret`, "password");
            if (v !== undefined) into.auth = { passwordSecret: v };
        }
    }

    bastion(node: Node, path: string): BastionLayer | undefined {
        const map = this.r.map(node, path);
        if (!map) return undefined;
        const out: { node: Node; address?: string; port?: number; user?: string; auth?: SshAuth; hostKey?: string; rsaHostKey?: boolean } = { node: map };
        const raw = new Map<string, Node>();
        let hostKeyNode: Node | undefined;
        const seen = this.r.fields(
            map,
            path,
            {
                address: (v, p) => (out.address = this.address(v, p)),
                port: (v, p) => (out.port = this.port(v, p)),
                user: (v, p) => (out.user = this.r.string(v, p)),
                privateKeySecret: (v) => raw.set("privateKeySecret", v),
                passwordSecret: (v) => raw.set("passwordSecret", v),
                hostKey: (v, p) => ((out.hostKey = this.hostKey(v, p)), (hostKeyNode = v)),
            },
            this.secretKeyGuard,
        );
        this.r.requireKeys(map, path, seen, ["address"]);
        // Checked once all keys are read: the advice names the bastion's address and port.
        const rsa = rsaHostKeyProblem(out.hostKey, out.address, out.port ?? 22);
        if (rsa) {
            this.r.error(hostKeyNode, `${path}.hostKey`, rsa);
            out.rsaHostKey = true;
        }
        this.auth(map, path, out, (k) => raw.get(k));
        return out;
    }

    ssh(node: Node, path: string, layer: Layer): void {
        const map = this.r.map(node, path);
        if (!map) return;
        const raw = new Map<string, Node>();
        this.r.fields(
            map,
            path,
            {
                user: (v, p) => (layer.ssh.user = this.r.string(v, p)),
                port: (v, p) => (layer.ssh.port = this.port(v, p)),
                privateKeySecret: (v) => raw.set("privateKeySecret", v),
                passwordSecret: (v) => raw.set("passwordSecret", v),
                bastion: (v, p) => (layer.ssh.bastion = this.bastion(v, p)),
            },
            this.secretKeyGuard,
        );
        this.auth(map, path, layer.ssh, (k) => raw.get(k));
    }

    private collectorList(node: Node, path: string): { value: string; node: Node }[] {
        const items = this.r.strings(node, path) ?? [];
        return items.filter(({ value, node: n }, i) => {
            const p = `${path}[${i}]`;
            if (!COLLECTOR_NAME.test(value)) {
                this.r.error(n, p, `"${value}" is not a collector name (lowercase letters, digits and _)`);
                return false;
            }
            if (!(KNOWN_COLLECTORS as readonly string[]).includes(value)) {
                const near = closest(value, KNOWN_COLLECTORS);
                this.r.warn(
                    n,
                    p,
                    near
                        ? `"${value}" is not a node_exporter collector (did you mean "${near}"?)`
                        : `"${value}" is not a collector this tool knows; node_exporter will refuse to start if it does not know it either`,
                );
            }
            return true;
        });
    }

    collectors(node: Node, path: string, layer: Layer): void {
        const map = this.r.map(node, path);
        if (!map) return;
        let enable: { value: string; node: Node }[] = [];
        let disable: { value: string; node: Node }[] = [];
        this.r.fields(map, path, {
            enable: (v, p) => (enable = this.collectorList(v, p)),
            disable: (v, p) => (disable = this.collectorList(v, p)),
        });
        const enabled = new Set(enable.map((e) => e.value));
        disable.forEach(({ value, node: n }, i) => {
            if (enabled.has(value)) {
                this.r.error(n, `${path}.disable[${i}]`, `"${value}" is in both enable and disable; keep it in one of them`);
            }
        });
        layer.nodeExporter.enable = enable.map((e) => e.value);
        layer.nodeExporter.disable = disable.map((d) => d.value).filter((d) => !enabled.has(d));
    }

    version(node: Node, path: string): string | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        if (!this.checksums.has(v)) {
            const known = [...this.checksums.keys()].join(", ");
            this.r.error(
                node,
                path,
                `node_exporter "${v}" has no checksums in provisioners/node-exporter.sha256sums (known: ${known}); ` +
                    "add the release's official sha256sums.txt lines to pin it",
            );
            return undefined;
        }
        return v;
    }

    nodeExporter(node: Node, path: string, layer: Layer): void {
        const map = this.r.map(node, path);
        if (!map) return;
        const ne = layer.nodeExporter;
        this.r.fields(map, path, {
            version: (v, p) => (ne.version = this.version(v, p)),
            port: (v, p) => (ne.port = this.port(v, p)),
            collectors: (v, p) => this.collectors(v, p, layer),
            source: (v, p) => {
                const s = this.r.string(v, p);
                if (s === undefined) return;
                if (!(SOURCES as readonly string[]).includes(s)) {
                    this.r.error(v, p, `"${s}" is not a source; use "download" (the device fetches it) or "push" (sent over SSH)`);
                    return;
                }
                ne.source = s as BinarySource;
            },
            downloadBaseUrl: (v, p) => {
                const s = this.r.string(v, p);
                if (s === undefined) return;
                if (!URL_SAFE.test(s)) {
                    this.r.error(v, p, `"${s}" is not an http(s) URL (a mirror with the release layout, e.g. https://mirror.example/node_exporter)`);
                    return;
                }
                ne.downloadBaseUrl = s.replace(/\/+$/, "");
            },
            takeOver: (v, p) => (ne.takeOver = this.r.boolean(v, p)),
        });
    }

    labels(node: Node, path: string, layer: Layer): void {
        const map = this.r.map(node, path);
        if (!map) return;
        const readers: Record<string, (v: Node, p: string) => void> = {};
        for (const pair of map.items) {
            const k = this.r.deref(pair.key);
            const name = k && "value" in k ? String((k as { value: unknown }).value) : "";
            readers[name] = (v, p) => {
                const problem = labelNameProblem(name);
                if (problem) {
                    this.r.error(k, p, problem);
                    return;
                }
                const d = this.r.deref(v);
                const value = d && "value" in d ? (d as { value: unknown }).value : undefined;
                if (typeof value === "number" || typeof value === "boolean") {
                    layer.labels.set(name, String(value));
                    return;
                }
                const s = this.r.string(v, p);
                if (s !== undefined) layer.labels.set(name, s);
            };
        }
        this.r.fields(map, path, readers);
    }

    /** The keys every level may carry, bound to one layer. */
    common(layer: Layer): Record<string, (v: Node, p: string) => void> {
        return {
            ssh: (v, p) => this.ssh(v, p, layer),
            nodeExporter: (v, p) => this.nodeExporter(v, p, layer),
            labels: (v, p) => this.labels(v, p, layer),
            insecureIgnoreHostKey: (v, p) => (layer.insecureIgnoreHostKey = this.r.boolean(v, p)),
            snmp: (v, p) => new WatchReader(this.r).snmp(v, p, layer.snmp),
        };
    }
}
