import { MaintenanceWindow } from "./maintenance";
import { AgentlessDevice, Probe } from "./watch";

/** Architectures node_exporter publishes Linux release tarballs for. */
export const ARCHES = ["amd64", "arm64", "armv7", "armv6", "386"] as const;
export type Arch = (typeof ARCHES)[number];

/** version -> arch -> sha256 of the release tarball: the node_exporter builds a fleet may pin. */
export type ChecksumTable = ReadonlyMap<string, ReadonlyMap<Arch, string>>;

/** How the node_exporter tarball reaches the device. */
export const SOURCES = ["download", "push"] as const;
export type BinarySource = (typeof SOURCES)[number];

export const DEFAULT_DOWNLOAD_BASE_URL = "https://github.com/prometheus/node_exporter/releases/download";

/** A jump host in front of devices that are not reachable directly. */
export interface Bastion {
    readonly address: string;
    readonly port: number;
    readonly user: string;
    readonly privateKeySecret?: string;
    readonly passwordSecret?: string;
    /** `type base64`, pinned; undefined only when insecureIgnoreHostKey applies. */
    readonly hostKey?: string;
}

export interface DeviceSsh {
    readonly user: string;
    readonly port: number;
    /** Name of a Pulumi secret config key holding the PEM private key. */
    readonly privateKeySecret?: string;
    /** Name of a Pulumi secret config key holding the password. */
    readonly passwordSecret?: string;
    readonly bastion?: Bastion;
}

export interface NodeExporterSettings {
    readonly version: string;
    readonly port: number;
    /** Sorted, so the same set always renders the same flags. */
    readonly collectors: { readonly enable: readonly string[]; readonly disable: readonly string[] };
    readonly source: BinarySource;
    readonly downloadBaseUrl: string;
    /**
     * Replace a node_exporter that another service already runs on the port (Debian's
     * prometheus-node-exporter, a hand-made unit): stopped, disabled and masked, given back on uninstall.
     */
    readonly takeOver: boolean;
}

/** A device after defaults and its site were applied: everything the stack needs, nothing optional left to guess. */
export interface Device {
    readonly name: string;
    readonly address: string;
    readonly site: string;
    readonly region: string;
    readonly hostKey?: string;
    readonly insecureIgnoreHostKey: boolean;
    readonly arch: Arch | "auto";
    /** Merged defaults, site, device; sorted by name. */
    readonly labels: Readonly<Record<string, string>>;
    readonly ssh: DeviceSsh;
    readonly nodeExporter: NodeExporterSettings;
    /** Checks from the monitoring host beside node_exporter (e.g. the PLC-facing port); absent or empty when none. */
    readonly probes?: readonly Probe[];
    /** Windows in which the device's alerts are muted (its site's windows apply too); absent when none. */
    readonly maintenance?: readonly MaintenanceWindow[];
    /** Where the device is defined, for messages that point back into the file. */
    readonly source: { readonly file: string; readonly line: number };
}

/**
 * A site's collector: one of its own devices runs Prometheus with a local TSDB, scrapes the site's devices
 * inside the site's network and remote-writes them to the monitoring host over one outbound link; a
 * back-filler resends from the local TSDB what the link or a restart kept from the host.
 */
export interface SiteCollector {
    /** The device (of this site) that runs the collector. */
    readonly device: string;
    /** Hours the site's link may be down without losing a sample; sizes the local TSDB's retention and disk. */
    readonly outageBudgetHours: number;
}

export interface Site {
    readonly name: string;
    readonly region: string;
    /** Absent: the monitoring host scrapes the site's devices itself. */
    readonly collector?: SiteCollector;
    /** Windows in which the site's alerts and all of its devices' are muted; absent when none. */
    readonly maintenance?: readonly MaintenanceWindow[];
}

export interface Fleet {
    readonly file: string;
    readonly sites: readonly Site[];
    /** Devices watched by node_exporter over SSH, in file order; identity is the name, never the position. */
    readonly devices: readonly Device[];
    /** Devices watched by probes or SNMP from the monitoring host (nothing installed, no SSH), in file order. */
    readonly agentless: readonly AgentlessDevice[];
}
