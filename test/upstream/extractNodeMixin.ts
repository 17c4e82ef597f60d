import { spawnSync } from "child_process";
import * as path from "path";

/**
 * Evaluates the node mixin (docs/node-mixin in a prometheus/node_exporter checkout) with Debian's
 * `jsonnet` and keeps what our node alerts must match: for every alert its name, expression, `for` and
 * severity, once with the mixin's defaults and once with OVERRIDES (our host selector and other
 * thresholds, to show each setting lands where the mixin puts it), plus the defaults of the thresholds
 * we expose. The result is checked in as test/upstream/node-mixin-alerts.json (a few kB, instead of
 * copying the mixin's sources).
 *
 * Run: npx ts-node test/upstream/extractNodeMixin.ts NODE_EXPORTER_CHECKOUT TAG COMMIT > test/upstream/node-mixin-alerts.json
 */
export const OVERRIDES = {
    nodeExporterSelector: 'job="host"',
    fsSpaceFillingUpWarningThreshold: 30,
    fsSpaceFillingUpCriticalThreshold: 15,
    fsSpaceAvailableWarningThreshold: 8,
    fsSpaceAvailableCriticalThreshold: 4,
    cpuHighUsageThreshold: 80,
    systemSaturationPerCoreThreshold: 3,
    memoryHighUtilizationThreshold: 85,
    diskIOSaturationThreshold: 20,
};

export interface MixinAlert {
    readonly alert: string;
    readonly expr: string;
    readonly for: string | null;
    readonly severity: string;
}

export interface MixinReference {
    readonly source: { readonly repository: string; readonly tag: string; readonly commit: string; readonly files: readonly string[] };
    readonly config: Record<string, number | string>;
    readonly defaults: MixinAlert[];
    readonly overrides: typeof OVERRIDES;
    readonly overridden: MixinAlert[];
}

export function evaluateNodeMixin(checkout: string, tag: string, commit: string): MixinReference {
    const knobs = ["nodeExporterSelector", ...Object.keys(OVERRIDES).filter((k) => k !== "nodeExporterSelector")];
    const program = `
local mixin = import 'mixin.libsonnet';
local fields(m) = [
  { alert: r.alert, expr: r.expr, 'for': if std.objectHas(r, 'for') then r['for'] else null, severity: r.labels.severity }
  for g in m.prometheusAlerts.groups for r in g.rules
];
{
  config: { [k]: mixin._config[k] for k in ${JSON.stringify(knobs)} },
  defaults: fields(mixin),
  overridden: fields(mixin + { _config+:: ${JSON.stringify(OVERRIDES)} }),
}`;
    const r = spawnSync("jsonnet", ["-J", path.join(checkout, "docs", "node-mixin"), "-e", program], { encoding: "utf8" });
    if (r.error || r.status !== 0) throw new Error(`jsonnet failed: ${r.error?.message ?? r.stderr}`);
    const out = JSON.parse(r.stdout) as Pick<MixinReference, "config" | "defaults" | "overridden">;
    return {
        source: { repository: "prometheus/node_exporter", tag, commit, files: ["docs/node-mixin/alerts/alerts.libsonnet", "docs/node-mixin/config.libsonnet"] },
        config: out.config,
        defaults: out.defaults,
        overrides: OVERRIDES,
        overridden: out.overridden,
    };
}

if (require.main === module) {
    const [checkout, tag, commit] = process.argv.slice(2);
    if (!checkout || !tag || !commit) {
        process.stderr.write("usage: extractNodeMixin.ts NODE_EXPORTER_CHECKOUT TAG COMMIT > test/upstream/node-mixin-alerts.json\n");
        process.exit(2);
    }
    process.stdout.write(JSON.stringify(evaluateNodeMixin(checkout, tag, commit), null, 1) + "\n");
}
