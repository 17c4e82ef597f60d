import { MaintenanceWindow } from "./maintenance";

/**
 * How a device is watched. The default is node_exporter installed over SSH; devices that cannot run an
 * agent (PLCs, switches, UPS units, data loggers) are probed from the monitoring host (blackbox_exporter)
 * or read over SNMP (snmp_exporter). Any device may carry probes.
 */
export const WATCH_KINDS = ["nodeExporter", "probe", "snmp"] as const;
export type WatchKind = (typeof WATCH_KINDS)[number];
/** The kinds with no SSH and nothing installed on the device. */
export type AgentlessKind = Exclude<WatchKind, "nodeExporter">;

/** A reachability check run by blackbox_exporter on the monitoring host. */
export type Probe =
    | { readonly kind: "icmp" }
    | { readonly kind: "tcp"; readonly port: number }
    | {
          readonly kind: "http" | "https";
          readonly port: number;
          /** Starts with "/". */
          readonly path: string;
          /** Expected status codes, sorted; empty means any 2xx (blackbox_exporter's default). */
          readonly status: readonly number[];
          /** https only: false accepts a self-signed or expired certificate (its expiry is still watched). */
          readonly verifyCertificate: boolean;
      };

export const PROBE_KINDS = ["icmp", "tcp", "http", "https"] as const;

/**
 * The probe's name on its series (`probe` label): unique per device, readable in alerts
 * ("icmp", "tcp:502", "https:443/login").
 */
export function probeId(p: Probe): string {
    if (p.kind === "icmp") return "icmp";
    if (p.kind === "tcp") return `tcp:${p.port}`;
    return `${p.kind}:${p.port}${p.path}`;
}

/** What snmp_exporter reads from the device: standard MIB-2 groups only (no vendor MIB). */
export const SNMP_MODULES = ["system", "if_mib", "ups"] as const;
export type SnmpModule = (typeof SNMP_MODULES)[number];
export const DEFAULT_SNMP_MODULES: readonly SnmpModule[] = ["system", "if_mib"];
export const DEFAULT_SNMP_PORT = 161;

/** Authentication and privacy protocols snmp_exporter 0.21 accepts (config/config.go, Module.UnmarshalYAML). */
export const SNMP_AUTH_PROTOCOLS = ["MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"] as const;
export const SNMP_PRIV_PROTOCOLS = ["DES", "AES", "AES192", "AES256"] as const;
export type SnmpAuthProtocol = (typeof SNMP_AUTH_PROTOCOLS)[number];
export type SnmpPrivProtocol = (typeof SNMP_PRIV_PROTOCOLS)[number];

/** SNMP credentials by the names of stack secrets; never the values. */
export type SnmpCredentials =
    | { readonly version: "2c"; readonly communitySecret: string }
    | {
          readonly version: "3";
          readonly user: string;
          readonly authProtocol: SnmpAuthProtocol;
          readonly authPasswordSecret: string;
          /** Both set (authPriv) or both unset (authNoPriv). */
          readonly privProtocol?: SnmpPrivProtocol;
          readonly privPasswordSecret?: string;
      };

export interface SnmpSettings {
    readonly port: number;
    /** Sorted as in SNMP_MODULES, so the same set renders the same module. */
    readonly modules: readonly SnmpModule[];
    readonly credentials: SnmpCredentials;
}

/** A device with nothing installed on it: no SSH, no resource on the device, only scrape targets. */
export interface AgentlessDevice {
    readonly name: string;
    readonly address: string;
    readonly site: string;
    readonly region: string;
    readonly watch: AgentlessKind;
    /** Merged defaults, site, device; sorted by name. */
    readonly labels: Readonly<Record<string, string>>;
    /** In file order; for `watch: probe` at least one. */
    readonly probes: readonly Probe[];
    /** Present exactly when watch is snmp. */
    readonly snmp?: SnmpSettings;
    /** Windows in which the device's alerts are muted (its site's windows apply too); absent when none. */
    readonly maintenance?: readonly MaintenanceWindow[];
    readonly source: { readonly file: string; readonly line: number };
}

/** The stack secrets an SNMP device's credentials name. */
export function snmpSecretNames(c: SnmpCredentials): string[] {
    if (c.version === "2c") return [c.communitySecret];
    return [c.authPasswordSecret, ...(c.privPasswordSecret ? [c.privPasswordSecret] : [])];
}

/** Every stack secret the fleet's SNMP devices name, once each, sorted: what the program reads for snmp.yml. */
export function fleetSnmpSecretNames(devices: readonly AgentlessDevice[]): string[] {
    return [...new Set(devices.flatMap((d) => (d.snmp ? snmpSecretNames(d.snmp.credentials) : [])))].sort();
}
