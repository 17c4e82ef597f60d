import { dump } from "js-yaml";
import { AgentlessDevice, SnmpCredentials, SnmpSettings } from "../fleet";
import { IF_LOOKUPS, SNMP_MODULE_DEFINITIONS } from "./snmpModules";

/**
 * The snmp_exporter module a device is scraped with: its MIB groups and its credentials (by the names
 * of the stack secrets, never the values). snmp_exporter 0.21 keeps credentials inside each module
 * (config/config.go: WalkParams.Auth), so devices that share groups and credentials share a module,
 * and a device with other credentials gets a module of its own.
 */
export function snmpModuleName(s: SnmpSettings): string {
    const c = s.credentials;
    const cred = c.version === "2c" ? `v2c/${c.communitySecret}` : `v3/${c.user}/${c.authProtocol}/${c.authPasswordSecret}${c.privPasswordSecret ? `/${c.privProtocol}/${c.privPasswordSecret}` : ""}`;
    return `${s.modules.join("+")}@${cred}`;
}

/** Looks up a stack secret's value by name; throws when the program did not load it. */
export type SecretValue = (name: string) => string;

function auth(c: SnmpCredentials, secret: SecretValue): Record<string, unknown> {
    if (c.version === "2c") return { version: 2, auth: { community: secret(c.communitySecret) } };
    return {
        version: 3,
        auth: {
            username: c.user,
            security_level: c.privPasswordSecret ? "authPriv" : "authNoPriv",
            auth_protocol: c.authProtocol,
            password: secret(c.authPasswordSecret),
            ...(c.privPasswordSecret ? { priv_protocol: c.privProtocol, priv_password: secret(c.privPasswordSecret) } : {}),
        },
    };
}

function metric(m: (typeof SNMP_MODULE_DEFINITIONS)[keyof typeof SNMP_MODULE_DEFINITIONS]["metrics"][number]): Record<string, unknown> {
    if (m.table !== "if") return { name: m.name, oid: m.oid, type: m.type, help: m.help };
    return {
        name: m.name,
        oid: m.oid,
        type: m.type,
        help: m.help,
        indexes: [{ labelname: "ifIndex", type: "gauge" }],
        lookups: IF_LOOKUPS.map((l) => ({ labels: ["ifIndex"], labelname: l.labelname, oid: l.oid, type: "DisplayString" })),
    };
}

/**
 * snmp.yml for snmp_exporter 0.21 (the format the lab's Debian package reads, and the pinned image's):
 * one module per distinct set of MIB groups and credentials in the fleet. Holds the SNMP secrets, so the
 * stack delivers it as a secret, readable only by the exporter. A dead device must fail within one
 * scrape: 3 s per request, 2 retries, 9 s in all, under Prometheus' 10 s scrape timeout.
 */
export function renderSnmpConfig(devices: readonly AgentlessDevice[], secret: SecretValue): string {
    const modules = new Map<string, Record<string, unknown>>();
    for (const d of devices) {
        if (!d.snmp) continue;
        const name = snmpModuleName(d.snmp);
        if (modules.has(name)) continue;
        const defs = d.snmp.modules.map((m) => SNMP_MODULE_DEFINITIONS[m]);
        const walk = defs.flatMap((x) => x.walk);
        const get = defs.flatMap((x) => x.get);
        modules.set(name, {
            ...(walk.length ? { walk } : {}),
            ...(get.length ? { get } : {}),
            metrics: defs.flatMap((x) => x.metrics.map(metric)),
            ...auth(d.snmp.credentials, secret),
            timeout: "3s",
            retries: 2,
            max_repetitions: 25,
        });
    }
    const sorted = Object.fromEntries([...modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    // An empty file is not a valid configuration for snmp_exporter; a fleet without SNMP devices still
    // gets a module, which nothing uses.
    const config = Object.keys(sorted).length ? sorted : { [`system@none`]: { get: SNMP_MODULE_DEFINITIONS.system.get, metrics: SNMP_MODULE_DEFINITIONS.system.metrics.map(metric) } };
    return "# Rendered by iiot-monitoring from endpoints.yaml; holds SNMP secrets; do not edit on the host.\n" + dump(config, { lineWidth: 400, noRefs: true });
}
