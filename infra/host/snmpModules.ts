import { SnmpModule } from "../fleet";

/**
 * The product's SNMP modules, in snmp_exporter's module format (0.21: walk, get, metrics with indexes and
 * lookups). Debian ships no snmp.yml and no IETF MIB files (licensing, see
 * /usr/share/doc/prometheus-snmp-exporter/README.Debian), so the objects are written out here by OID from
 * the standards: the system group of SNMPv2-MIB (RFC 3418), IF-MIB's ifTable and ifXTable (RFC 2863),
 * and UPS-MIB (RFC 1628). Metric names are the MIB object names, as snmp_exporter's generator names
 * them, so queries written for upstream's if_mib module read these series too.
 */
export interface SnmpMetric {
    readonly name: string;
    readonly oid: string;
    readonly type: "gauge" | "counter" | "DisplayString";
    readonly help: string;
    /** Table columns are indexed by ifIndex and carry the interface's names. */
    readonly table?: "if";
}

export interface SnmpModuleDefinition {
    readonly walk: readonly string[];
    readonly get: readonly string[];
    readonly metrics: readonly SnmpMetric[];
}

const SYSTEM = "1.3.6.1.2.1.1";
const IF_ENTRY = "1.3.6.1.2.1.2.2.1";
const IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1";
const UPS = "1.3.6.1.2.1.33.1";

const scalar = (name: string, oid: string, type: SnmpMetric["type"], help: string): SnmpMetric => ({ name, oid, type, help });
const column = (name: string, oid: string, type: SnmpMetric["type"], help: string): SnmpMetric => ({ name, oid, type, help, table: "if" });

export const SNMP_MODULE_DEFINITIONS: Readonly<Record<SnmpModule, SnmpModuleDefinition>> = {
    system: {
        walk: [],
        get: [`${SYSTEM}.1.0`, `${SYSTEM}.3.0`, `${SYSTEM}.4.0`, `${SYSTEM}.5.0`, `${SYSTEM}.6.0`],
        metrics: [
            scalar("sysDescr", `${SYSTEM}.1`, "DisplayString", "A textual description of the entity (SNMPv2-MIB sysDescr)."),
            scalar("sysUpTime", `${SYSTEM}.3`, "gauge", "Hundredths of a second since the network management part of the system was last re-initialized (SNMPv2-MIB sysUpTime)."),
            scalar("sysContact", `${SYSTEM}.4`, "DisplayString", "The contact person for this managed node (SNMPv2-MIB sysContact)."),
            scalar("sysName", `${SYSTEM}.5`, "DisplayString", "The administratively-assigned name of this node (SNMPv2-MIB sysName)."),
            scalar("sysLocation", `${SYSTEM}.6`, "DisplayString", "The physical location of this node (SNMPv2-MIB sysLocation)."),
        ],
    },
    if_mib: {
        walk: ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"],
        get: [],
        metrics: [
            column("ifAdminStatus", `${IF_ENTRY}.7`, "gauge", "The desired state of the interface: 1 up, 2 down, 3 testing (IF-MIB ifAdminStatus)."),
            column("ifOperStatus", `${IF_ENTRY}.8`, "gauge", "The current operational state of the interface: 1 up, 2 down, 3 testing, 4 unknown, 5 dormant, 6 notPresent, 7 lowerLayerDown (IF-MIB ifOperStatus)."),
            column("ifLastChange", `${IF_ENTRY}.9`, "gauge", "sysUpTime when the interface entered its current operational state (IF-MIB ifLastChange)."),
            column("ifInDiscards", `${IF_ENTRY}.13`, "counter", "Inbound packets discarded without an error (IF-MIB ifInDiscards)."),
            column("ifInErrors", `${IF_ENTRY}.14`, "counter", "Inbound packets that contained errors (IF-MIB ifInErrors)."),
            column("ifOutDiscards", `${IF_ENTRY}.19`, "counter", "Outbound packets discarded without an error (IF-MIB ifOutDiscards)."),
            column("ifOutErrors", `${IF_ENTRY}.20`, "counter", "Outbound packets that could not be sent because of errors (IF-MIB ifOutErrors)."),
            column("ifHCInOctets", `${IFX_ENTRY}.6`, "counter", "Octets received on the interface, 64-bit (IF-MIB ifHCInOctets)."),
            column("ifHCOutOctets", `${IFX_ENTRY}.10`, "counter", "Octets sent on the interface, 64-bit (IF-MIB ifHCOutOctets)."),
            column("ifHighSpeed", `${IFX_ENTRY}.15`, "gauge", "The interface's current bandwidth in units of 1,000,000 bits per second (IF-MIB ifHighSpeed)."),
        ],
    },
    ups: {
        walk: [],
        get: [`${UPS}.2.1.0`, `${UPS}.2.2.0`, `${UPS}.2.3.0`, `${UPS}.2.4.0`, `${UPS}.2.7.0`, `${UPS}.4.1.0`, `${UPS}.6.1.0`],
        metrics: [
            scalar("upsBatteryStatus", `${UPS}.2.1`, "gauge", "Battery status: 1 unknown, 2 batteryNormal, 3 batteryLow, 4 batteryDepleted (UPS-MIB upsBatteryStatus)."),
            scalar("upsSecondsOnBattery", `${UPS}.2.2`, "gauge", "Seconds since the UPS switched to battery power, 0 when not on battery (UPS-MIB upsSecondsOnBattery)."),
            scalar("upsEstimatedMinutesRemaining", `${UPS}.2.3`, "gauge", "Estimated minutes until battery charge is depleted at the present load (UPS-MIB upsEstimatedMinutesRemaining)."),
            scalar("upsEstimatedChargeRemaining", `${UPS}.2.4`, "gauge", "Estimated battery charge remaining, percent of full charge (UPS-MIB upsEstimatedChargeRemaining)."),
            scalar("upsBatteryTemperature", `${UPS}.2.7`, "gauge", "Ambient temperature at or near the battery, degrees Celsius (UPS-MIB upsBatteryTemperature)."),
            scalar("upsOutputSource", `${UPS}.4.1`, "gauge", "Present source of output power: 1 other, 2 none, 3 normal, 4 bypass, 5 battery, 6 booster, 7 reducer (UPS-MIB upsOutputSource)."),
            scalar("upsAlarmsPresent", `${UPS}.6.1`, "gauge", "Number of active alarm conditions (UPS-MIB upsAlarmsPresent)."),
        ],
    },
};

/** The interface names every interface series carries (lookups on ifIndex), as upstream's if_mib module. */
export const IF_LOOKUPS = [
    { labelname: "ifName", oid: `${IFX_ENTRY}.1` },
    { labelname: "ifDescr", oid: `${IF_ENTRY}.2` },
    { labelname: "ifAlias", oid: `${IFX_ENTRY}.18` },
] as const;

/** Every label a module's series can carry beside the target's: what a device label must not be named. */
export function snmpModuleLabels(module: SnmpModule): string[] {
    const def = SNMP_MODULE_DEFINITIONS[module];
    const labels = new Set<string>();
    for (const m of def.metrics) {
        if (m.type === "DisplayString") labels.add(m.name);
        if (m.table === "if") {
            labels.add("ifIndex");
            for (const l of IF_LOOKUPS) labels.add(l.labelname);
        }
    }
    return [...labels].sort();
}
