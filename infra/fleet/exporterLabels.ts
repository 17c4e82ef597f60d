import { SnmpModule } from "./watch";

/**
 * Labels blackbox_exporter 0.23 puts on its own probe series (prober/http.go, icmp.go, tcp.go, tls.go,
 * grpc.go, dns.go: the label lists of their GaugeVecs), plus `probe`, which the product sets on every
 * probe target to tell a device's probes apart. A device label of one of these names would make
 * Prometheus rename the exporter's to `exported_<name>` (honor_labels is false).
 */
export const BLACKBOX_LABELS = ["phase", "version", "fingerprint_sha256", "subject", "issuer", "subjectalternative", "serving_status", "probe"] as const;

/**
 * Labels the product's SNMP modules put on their series (infra/host/snmpModules.ts defines the modules;
 * a test checks that every label they can produce is listed here): the interface table's index and
 * its lookups, and the system group's text objects exported as info labels.
 */
export const SNMP_MODULE_LABELS: Readonly<Record<SnmpModule, readonly string[]>> = {
    system: ["sysContact", "sysDescr", "sysLocation", "sysName"],
    if_mib: ["ifAlias", "ifDescr", "ifIndex", "ifName"],
    ups: [],
};

/** Why a device label cannot sit on a probe or SNMP target, or undefined. */
export function exporterLabelClash(name: string, probes: boolean, modules: readonly SnmpModule[]): string | undefined {
    if (probes && (BLACKBOX_LABELS as readonly string[]).includes(name)) {
        return name === "probe"
            ? "is set by the product on every probe's series (which check it is); choose another name"
            : `is a label blackbox_exporter puts on its own probe series; as a device label it would make Prometheus rename theirs to exported_${name}; choose another name`;
    }
    const module = modules.find((m) => SNMP_MODULE_LABELS[m].includes(name));
    if (module) {
        return `is a label the SNMP module ${module} puts on its own series; as a device label it would make Prometheus rename theirs to exported_${name}; choose another name`;
    }
    return undefined;
}
