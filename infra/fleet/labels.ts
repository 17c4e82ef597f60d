import { NODE_EXPORTER_LABELS, NODE_EXPORTER_LABELS_VERSION } from "./nodeExporterLabels";

/**
 * Labels the product sets itself: on every device's series (`instance`, `job`, `site`, `region`), on
 * alerts Prometheus sends (`monitor`, the external label), and on the monitoring system's own alerts
 * (`iiotmon_scope`, which routes them). A fleet label of the same name would be lost or clash.
 */
export const RESERVED_LABELS = ["instance", "job", "site", "region", "monitor", "iiotmon_scope"] as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** "filesystem" for "collector/filesystem_common.go"; the source as given when it is not a collector file. */
function collectorName(source: string): string {
    const m = /^collector\/(\w+?)(?:_(?:linux|common|bsd|darwin|freebsd|openbsd|netbsd|dragonfly|solaris|aix|rtnl|linux_\w+))*\.go$/.exec(source);
    return m ? `${m[1]} collector` : source;
}

const WELL_KNOWN = ["netdev", "diskstats", "filesystem", "cpu", "systemd", "hwmon", "thermal_zone", "uname", "meminfo"];

/**
 * Why the node_exporter collectors' label `name` cannot be a target label: Prometheus would rename
 * theirs to `exported_<name>` on every such series (honor_labels is false), which breaks every query,
 * legend and alert that reads it.
 */
export function nodeExporterClash(name: string): string | undefined {
    const sources = NODE_EXPORTER_LABELS[name];
    if (!sources) return undefined;
    // The collectors every device runs come first, so the message names the series a reader knows.
    const known = (n: string) => {
        const i = WELL_KNOWN.indexOf(n.replace(/ collector$/, ""));
        return i < 0 ? WELL_KNOWN.length : i;
    };
    const names = [...new Set(sources.map(collectorName))].sort((a, b) => known(a) - known(b) || (a < b ? -1 : 1));
    const shown = names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
    return `is a label node_exporter ${NODE_EXPORTER_LABELS_VERSION} puts on its own series (${shown}); as a device label it would make Prometheus rename theirs to exported_${name}; choose another name`;
}

/** Why `name` cannot be a Prometheus label of a device, or undefined if it can. */
export function labelNameProblem(name: string): string | undefined {
    if (!LABEL_NAME.test(name)) {
        return "is not a valid Prometheus label name (letters, digits and _, not starting with a digit)";
    }
    if (name.startsWith("__")) return "starts with __, which Prometheus reserves for itself";
    if ((RESERVED_LABELS as readonly string[]).includes(name)) {
        return `is set by the product itself (${RESERVED_LABELS.join(", ")}); choose another name`;
    }
    return nodeExporterClash(name);
}
