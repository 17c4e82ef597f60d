import { AgentlessDevice, Fleet, Probe, probeId } from "../fleet";
import { blackboxModuleName, probeTarget } from "./blackboxConfig";
import { snmpModuleName } from "./snmpConfig";

/** One file_sd entry (same shape as the node targets). */
export interface ExporterTarget {
    readonly targets: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
}

/** A device with probes: a probe-only device, an SNMP device, or a node_exporter device with probes too. */
interface ProbedDevice {
    readonly name: string;
    readonly address: string;
    readonly site: string;
    readonly region: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly probes?: readonly Probe[];
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Every device that has probes, whatever its kind, sorted by name (reordering the file changes nothing). */
export function probedDevices(fleet: Pick<Fleet, "devices" | "agentless">): ProbedDevice[] {
    return [...fleet.devices, ...fleet.agentless].filter((d) => (d.probes?.length ?? 0) > 0).sort(byName);
}

/**
 * The multi-target exporter pattern: the target is what blackbox_exporter probes (Prometheus passes it
 * as `?target=`, see the relabelling in prometheusConfig), `__param_module` picks the module, and the
 * labels are the device's, as on its node_exporter series: `instance` = the device name, `site`,
 * `region`, the fleet's labels, plus `probe` telling a device's checks apart.
 */
export function blackboxTargets(fleet: Pick<Fleet, "devices" | "agentless">): ExporterTarget[] {
    return probedDevices(fleet).flatMap((d) =>
        (d.probes ?? []).map((p) => ({
            targets: [probeTarget(d.address, p)],
            labels: { ...d.labels, instance: d.name, site: d.site, region: d.region, probe: probeId(p), __param_module: blackboxModuleName(p) },
        })),
    );
}

/** SNMP devices for snmp_exporter: target `address:port`, the module of their MIB groups and credentials. */
export function snmpTargets(devices: readonly AgentlessDevice[]): ExporterTarget[] {
    return devices
        .filter((d) => d.snmp)
        .sort(byName)
        .map((d) => {
            const host = d.address.includes(":") ? `[${d.address}]` : d.address;
            return {
                targets: [`${host}:${d.snmp!.port}`],
                labels: { ...d.labels, instance: d.name, site: d.site, region: d.region, __param_module: snmpModuleName(d.snmp!) },
            };
        });
}

export function renderExporterTargets(targets: readonly ExporterTarget[]): string {
    return JSON.stringify(targets, null, 1) + "\n";
}
