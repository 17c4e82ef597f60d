import { isMap, isScalar, Node } from "yaml";
import { didYouMean } from "./didYouMean";
import { isSecretName, looksLikePem } from "./secrets";
import {
    Probe,
    PROBE_KINDS,
    probeId,
    SNMP_AUTH_PROTOCOLS,
    SNMP_MODULES,
    SNMP_PRIV_PROTOCOLS,
    SnmpAuthProtocol,
    SnmpModule,
    SnmpPrivProtocol,
    WATCH_KINDS,
    WatchKind,
} from "./watch";
import { YamlReader } from "./yamlReader";

/** What one level (defaults, a site, a device) says about SNMP; undefined means "not said here". */
export interface SnmpLayer {
    node?: Node;
    /** The block had an error (reported): the device's SNMP settings are not checked further. */
    invalid?: boolean;
    version?: "2c" | "3";
    port?: number;
    modules?: SnmpModule[];
    communitySecret?: string;
    user?: string;
    authProtocol?: SnmpAuthProtocol;
    authPasswordSecret?: string;
    privProtocol?: SnmpPrivProtocol;
    privPasswordSecret?: string;
}

/** Keys under snmp: where people paste the secret itself; explained instead of "unknown key". */
const SNMP_SECRET_KEYS: Record<string, string> = {
    community: "communitySecret",
    authPassword: "authPasswordSecret",
    authKey: "authPasswordSecret",
    privPassword: "privPasswordSecret",
    privKey: "privPasswordSecret",
    password: "authPasswordSecret",
};

function snmpSecretAdvice(key: string): string {
    const name = { communitySecret: "snmpCommunity", authPasswordSecret: "snmpAuthPassword", privPasswordSecret: "snmpPrivPassword" }[key] ?? "snmpSecret";
    return `store it with \`pulumi config set --secret ${name}\` and refer to it as \`${key}: ${name}\``;
}

/** Readers of the keys that say how a device is watched: `watch`, `probes` and `snmp`. */
export class WatchReader {
    constructor(private readonly r: YamlReader) {}

    watch(node: Node, path: string): WatchKind | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        if (!(WATCH_KINDS as readonly string[]).includes(v)) {
            this.r.error(node, path, `"${v}" is not a way to watch a device${didYouMean(v, WATCH_KINDS)}; use nodeExporter (the default: installed over SSH), probe (reachability checks from the monitoring host) or snmp`);
            return undefined;
        }
        return v as WatchKind;
    }

    private secretName(node: Node, path: string, key: string): string | undefined {
        const v = this.r.string(node, path);
        if (v === undefined) return undefined;
        if (!isSecretName(v) || looksLikePem(v)) {
            this.r.error(node, path, `must be the name of a Pulumi secret config key, not the secret itself; ${snmpSecretAdvice(key)}`);
            return undefined;
        }
        return v;
    }

    private oneOf<T extends string>(node: Node, path: string, allowed: readonly T[], what: string): T | undefined {
        const d = this.r.deref(node);
        const raw = isScalar(d) && (typeof d.value === "number" || typeof d.value === "string") ? String(d.value) : undefined;
        if (raw === undefined) {
            this.r.error(node, path, `must be one of ${allowed.join(", ")}, found ${this.r.describe(d)}`);
            return undefined;
        }
        const found = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
        if (!found) {
            // A one-character value ("1") is not a typo of another one-character value.
            const hint = raw.length > 1 ? didYouMean(raw, allowed) : "";
            this.r.error(node, path, `"${raw}" is not ${what}${hint}; use one of ${allowed.join(", ")}`);
            return undefined;
        }
        return found;
    }

    snmp(node: Node, path: string, into: SnmpLayer): void {
        const map = this.r.map(node, path, "a mapping with version, communitySecret or user and passwords' secret names, modules");
        if (!map) return;
        into.node = map;
        const before = this.r.problems.length;
        this.r.fields(
            map,
            path,
            {
                version: (v, p) => (into.version = this.oneOf(v, p, ["2c", "3"] as const, "an SNMP version this tool uses (SNMPv1 is not supported)")),
                port: (v, p) => (into.port = this.r.integer(v, p, 1, 65535)),
                modules: (v, p) => {
                    const items = this.r.strings(v, p);
                    if (!items) return;
                    const out = new Set<SnmpModule>();
                    items.forEach(({ node: n }, i) => {
                        const m = this.oneOf(n, `${p}[${i}]`, SNMP_MODULES, "an SNMP module");
                        if (m) out.add(m);
                    });
                    into.modules = SNMP_MODULES.filter((m) => out.has(m));
                },
                communitySecret: (v, p) => (into.communitySecret = this.secretName(v, p, "communitySecret")),
                user: (v, p) => (into.user = this.r.string(v, p)),
                authProtocol: (v, p) => (into.authProtocol = this.oneOf(v, p, SNMP_AUTH_PROTOCOLS, "an SNMPv3 authentication protocol")),
                authPasswordSecret: (v, p) => (into.authPasswordSecret = this.secretName(v, p, "authPasswordSecret")),
                privProtocol: (v, p) => (into.privProtocol = this.oneOf(v, p, SNMP_PRIV_PROTOCOLS, "an SNMPv3 privacy protocol")),
                privPasswordSecret: (v, p) => (into.privPasswordSecret = this.secretName(v, p, "privPasswordSecret")),
            },
            (key, keyNode, p) => {
                const proper = SNMP_SECRET_KEYS[key];
                if (!proper) return false;
                this.r.error(keyNode, p, `looks like a secret, and secrets must never be in this file; ${snmpSecretAdvice(proper)}`);
                return true;
            },
        );
        if (this.r.problems.slice(before).some((x) => x.severity === "error")) into.invalid = true;
    }

    probes(node: Node, path: string): Probe[] | undefined {
        const list = this.r.seq(node, path, "a list of probes (icmp, tcp: PORT, http: {...}, https: {...})");
        if (!list) return undefined;
        const out: Probe[] = [];
        const seen = new Map<string, number>();
        list.items.forEach((item, i) => {
            const p = `${path}[${i}]`;
            const n = this.r.deref(item);
            if (n === undefined) return;
            const probe = this.probe(n, p);
            if (!probe) return;
            const id = probeId(probe);
            const twin = seen.get(id);
            if (twin !== undefined) {
                this.r.error(n, p, `is the same check as ${path}[${twin}] (${id}); each probe of a device must differ`);
                return;
            }
            seen.set(id, i);
            out.push(probe);
        });
        return out;
    }

    private probe(node: Node, path: string): Probe | undefined {
        const kinds = PROBE_KINDS as readonly string[];
        if (isScalar(node)) {
            // The kinds that need nothing more may be written as a bare word.
            const k = typeof node.value === "string" ? node.value : "";
            if (k === "icmp") return { kind: "icmp" };
            if (k === "http" || k === "https") return this.web(k, undefined, path);
            if (k === "tcp") {
                this.r.error(node, path, "needs a port: write `tcp: 502`");
                return undefined;
            }
            this.r.error(node, path, `"${String(node.value)}" is not a probe${didYouMean(k, kinds)}; use icmp, tcp: PORT, http: {...} or https: {...}`);
            return undefined;
        }
        const map = this.r.map(node, path, "a probe (icmp, tcp: PORT, http: {...}, https: {...})");
        if (!map || !isMap(map)) return undefined;
        if (map.items.length !== 1) {
            this.r.error(map, path, "must name exactly one probe kind (icmp, tcp, http or https); write one list item per probe");
            return undefined;
        }
        let probe: Probe | undefined;
        this.r.fields(map, path, {
            icmp: (v, p) => {
                const m = this.r.map(v, p, "an empty mapping ({}), or write `- icmp`");
                if (m && m.items.length > 0) this.r.error(m, p, "takes no settings; write `- icmp`");
                else if (m) probe = { kind: "icmp" };
            },
            tcp: (v, p) => {
                const port = this.r.integer(v, p, 1, 65535);
                if (port !== undefined) probe = { kind: "tcp", port };
            },
            http: (v, p) => (probe = this.web("http", v, p)),
            https: (v, p) => (probe = this.web("https", v, p)),
        });
        return probe;
    }

    private web(kind: "http" | "https", node: Node | undefined, path: string): Probe | undefined {
        let port = kind === "https" ? 443 : 80;
        let urlPath = "/";
        let status: number[] = [];
        let verifyCertificate = true;
        let ok = true;
        if (node !== undefined) {
            const map = this.r.map(node, path, `a mapping with port, path, status${kind === "https" ? ", verifyCertificate" : ""}`);
            if (!map) return undefined;
            this.r.fields(map, path, {
                port: (v, p) => {
                    const n = this.r.integer(v, p, 1, 65535);
                    if (n === undefined) ok = false;
                    else port = n;
                },
                path: (v, p) => {
                    const s = this.r.string(v, p);
                    if (s === undefined) ok = false;
                    else if (!/^\/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*$/.test(s)) {
                        this.r.error(v, p, `"${s}" is not a URL path (starts with /, no spaces)`);
                        ok = false;
                    } else urlPath = s;
                },
                status: (v, p) => {
                    const d = this.r.deref(v);
                    const items = isScalar(d) ? [d] : (this.r.seq(v, p, "a status code or a list of them")?.items ?? []).map((x) => this.r.deref(x));
                    const codes: number[] = [];
                    items.forEach((it, i) => {
                        if (it === undefined) return;
                        const c = this.r.integer(it, isScalar(d) ? p : `${p}[${i}]`, 100, 599);
                        if (c === undefined) ok = false;
                        else codes.push(c);
                    });
                    status = [...new Set(codes)].sort((a, b) => a - b);
                },
                ...(kind === "https"
                    ? {
                          verifyCertificate: (v: Node, p: string) => {
                              const b = this.r.boolean(v, p);
                              if (b === undefined) ok = false;
                              else verifyCertificate = b;
                          },
                      }
                    : {}),
            });
        }
        if (!ok) return undefined;
        return { kind, port, path: urlPath, status, verifyCertificate: kind === "https" ? verifyCertificate : false };
    }
}
