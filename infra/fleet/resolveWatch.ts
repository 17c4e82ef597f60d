import { isSeq, Node } from "yaml";
import { exporterLabelClash } from "./exporterLabels";
import { SnmpLayer } from "./watchReader";
import { AgentlessKind, DEFAULT_SNMP_MODULES, DEFAULT_SNMP_PORT, Probe, SnmpCredentials, SnmpModule, SnmpSettings, WatchKind } from "./watch";
import { YamlReader } from "./yamlReader";

/** What a device entry says about how it is watched, as read from the file. */
export interface WatchSpec {
    readonly watch?: WatchKind;
    readonly watchNode?: Node;
    readonly probes?: readonly Probe[];
    readonly probesNode?: Node;
    /** Keys that only mean something for node_exporter over SSH, with where they are written. */
    readonly sshOnlyKeys: readonly { readonly key: string; readonly node: Node }[];
    /** The device's own `snmp:` block, if written. */
    readonly snmpNode?: Node;
}

/** The device-level keys that configure node_exporter over SSH, meaningless for a probe or SNMP device. */
export const SSH_ONLY_KEYS = ["hostKey", "arch", "ssh", "nodeExporter", "insecureIgnoreHostKey"] as const;

function last<T>(values: (T | undefined)[]): T | undefined {
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== undefined) return values[i];
    return undefined;
}

/** SNMP settings from defaults, site and device (the last level that says something wins, field by field). */
export function resolveSnmp(r: YamlReader, layers: readonly SnmpLayer[], deviceNode: Node, path: string, who: string, where: string): SnmpSettings | undefined {
    const pick = <K extends keyof SnmpLayer>(k: K) => last(layers.map((l) => l[k]));
    if (layers.some((l) => l.invalid)) return undefined;
    const at = (pick("node") as Node | undefined) ?? deviceNode;
    const version = pick("version") as SnmpLayer["version"];
    const modules = (pick("modules") as SnmpModule[] | undefined) ?? [...DEFAULT_SNMP_MODULES];
    const port = (pick("port") as number | undefined) ?? DEFAULT_SNMP_PORT;
    if (!version) {
        r.error(at, path, `${who}has no SNMP version; set snmp.version (2c or 3) on ${where}`);
        return undefined;
    }
    if (modules.length === 0) {
        r.error(at, path, `${who}reads no SNMP module; list at least one of system, if_mib, ups`);
        return undefined;
    }
    let credentials: SnmpCredentials;
    if (version === "2c") {
        const communitySecret = pick("communitySecret") as string | undefined;
        if (!communitySecret) {
            r.error(at, path, `${who}uses SNMPv2c but names no community; set snmp.communitySecret (the name of a stack secret) on ${where}`);
            return undefined;
        }
        credentials = { version, communitySecret };
    } else {
        const user = pick("user") as string | undefined;
        const authPasswordSecret = pick("authPasswordSecret") as string | undefined;
        const privPasswordSecret = pick("privPasswordSecret") as string | undefined;
        const privProtocol = pick("privProtocol") as SnmpLayer["privProtocol"];
        const missing = [!user && "snmp.user", !authPasswordSecret && "snmp.authPasswordSecret"].filter(Boolean);
        if (missing.length) {
            r.error(at, path, `${who}uses SNMPv3 but has no ${missing.join(" and no ")}; set it on ${where} (SNMPv3 without authentication is not supported)`);
            return undefined;
        }
        if (privProtocol && !privPasswordSecret) {
            r.error(at, path, `${who}sets snmp.privProtocol but names no snmp.privPasswordSecret; set both for authPriv, or neither for authNoPriv`);
            return undefined;
        }
        credentials = {
            version,
            user: user!,
            authProtocol: (pick("authProtocol") as SnmpLayer["authProtocol"]) ?? "SHA",
            authPasswordSecret: authPasswordSecret!,
            ...(privPasswordSecret ? { privProtocol: privProtocol ?? "AES", privPasswordSecret } : {}),
        };
    }
    return { port, modules, credentials };
}

/**
 * Checks what only the watch kind can tell: a probe device needs probes; keys of node_exporter over SSH
 * mean nothing on a probe or SNMP device; a device label must not clash with its exporters' own labels.
 * Returns false when an error was reported.
 */
export function checkWatch(
    r: YamlReader,
    spec: WatchSpec & { readonly node: Node },
    kind: WatchKind,
    labels: Readonly<Record<string, string>>,
    snmp: SnmpSettings | undefined,
    path: string,
    who: string,
): boolean {
    let ok = true;
    if (kind !== "nodeExporter") {
        for (const { key, node } of spec.sshOnlyKeys) {
            r.error(node, `${path}.${key}`, `has no effect: ${who}is watched by ${kind}, with nothing installed and no SSH; remove it (or drop \`watch: ${kind}\`)`);
            ok = false;
        }
    }
    // Probes that were written but had errors were reported one by one; only a missing or empty list is reported here.
    const written = spec.probesNode !== undefined && !(isSeq(spec.probesNode) && spec.probesNode.items.length === 0);
    if (kind === "probe" && !spec.probes?.length) {
        if (!written) r.error(spec.probesNode ?? spec.watchNode ?? spec.node, path, `${who}is watched by probe but has no probes; list at least one (icmp, tcp: PORT, http: {...}, https: {...})`);
        ok = false;
    }
    if (kind !== "snmp" && spec.snmpNode) {
        r.error(spec.snmpNode, `${path}.snmp`, `has no effect: ${who}is not watched by snmp; add \`watch: snmp\` or remove the block`);
        ok = false;
    }
    const hasProbes = (spec.probes?.length ?? 0) > 0;
    for (const name of Object.keys(labels)) {
        const clash = exporterLabelClash(name, hasProbes, snmp?.modules ?? []);
        if (clash) {
            r.error(spec.node, path, `${who}has the label ${name} (from the device, its site or defaults), which ${clash}`);
            ok = false;
        }
    }
    return ok;
}

export function isAgentless(kind: WatchKind): kind is AgentlessKind {
    return kind !== "nodeExporter";
}
