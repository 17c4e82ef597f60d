import { AlertRule } from "../../infra/host/alertRule";
import { hostNodeRules, nodeRules } from "../../infra/host/alertRules";
import { NODE_ALERT_DEFAULTS, NodeAlertThresholds } from "../../infra/settings";
import { MixinAlert, MixinReference } from "./extractNodeMixin";
import reference from "./node-mixin-alerts.json";

/**
 * Our node alerts against the node mixin itself: node-mixin-alerts.json holds what Debian's jsonnet
 * evaluated from docs/node-mixin at the node_exporter release we pin (procedure: extractNodeMixin.ts and
 * test/upstream/README.md). Every alert, in the mixin's order, must have its name, expression, `for` and
 * severity, with the defaults and with other thresholds and the host's selector.
 */
const mixin = reference as unknown as MixinReference;

/** PromQL is the same whatever the line breaks and indentation. */
const oneLine = (expr: string) => expr.replace(/\s+/g, " ").trim();
const fields = (rules: readonly AlertRule[]) => rules.map((r) => ({ alert: r.alert, expr: oneLine(r.expr), for: r.for ?? null, severity: r.labels.severity }));
const theirs = (rules: readonly MixinAlert[]) => rules.map((r) => ({ ...r, expr: oneLine(r.expr) }));

describe("node alerts against the node mixin", () => {
    it("is read from the release we pin", () => {
        expect(mixin.source).toMatchObject({ repository: "prometheus/node_exporter", tag: "v1.12.1" });
        expect(mixin.defaults.map((r) => r.alert)).toEqual(expect.arrayContaining(["NodeRAIDDegraded", "NodeRAIDDiskFailure", "NodeSystemdServiceCrashlooping", "NodeBondingDegraded"]));
    });

    it("match every mixin alert with the mixin's defaults, for the devices", () => {
        expect(fields(nodeRules())).toEqual(theirs(mixin.defaults));
    });

    it("take the mixin's default thresholds", () => {
        const { nodeExporterSelector, ...thresholds } = mixin.config;
        expect(nodeExporterSelector).toBe('job="node"');
        expect(NODE_ALERT_DEFAULTS).toEqual(thresholds);
    });

    it("match the mixin evaluated with other thresholds and the monitoring host's selector", () => {
        const { nodeExporterSelector, ...thresholds } = mixin.overrides;
        expect(nodeExporterSelector).toBe('job="host"');
        expect(fields(hostNodeRules(thresholds as NodeAlertThresholds))).toEqual(theirs(mixin.overridden));
        // And the overrides did change something, so this compares more than the defaults twice.
        expect(theirs(mixin.overridden)).not.toEqual(theirs(mixin.defaults).map((r) => ({ ...r, expr: r.expr.replace(/job="node"/g, 'job="host"') })));
    });
});
