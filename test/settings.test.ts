import * as fs from "fs";
import * as path from "path";
import { load } from "js-yaml";
import { parseSettings, SettingsError, SETTING_DEFAULTS, StackSettings } from "../infra/settings/settings";
import { ROOT, stackConfig } from "./harness";
import { renderHostConfigFiles } from "../infra/host/hostConfigFiles";
import { NODE_ALERT_DEFAULTS } from "../infra/settings";

interface Declared {
    type: string;
    description: string;
    default: unknown;
}
const project = load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string; main: string; config: Record<string, Declared> };

function settingsOf(values: Record<string, string>): StackSettings {
    return parseSettings((k) => values[k]);
}

describe("Pulumi.yaml", () => {
    it("points the nodejs runtime at infra/", () => {
        expect(project.name).toBe("iiot-monitoring");
        expect(fs.existsSync(path.join(ROOT, project.main, "index.ts"))).toBe(true);
    });

    it("declares every setting the program reads, with type, description and default", () => {
        const read = new Set<string>();
        parseSettings((k) => (read.add(k), undefined));
        expect(Object.keys(project.config).sort()).toEqual([...read].sort());
        for (const [key, d] of Object.entries(project.config)) {
            expect([key, typeof d.type, d.description.length > 20, d.default !== undefined]).toEqual([key, "string", true, true]);
        }
    });

    it("declares the same defaults the program applies", () => {
        const fromDeclared = Object.fromEntries(
            Object.entries(project.config).map(([k, d]) => [k, typeof d.default === "string" ? d.default : JSON.stringify(d.default)]),
        );
        const withDeclared = settingsOf(fromDeclared);
        const withNothing = settingsOf({});
        expect(withDeclared).toEqual(withNothing);
        expect(withNothing).toMatchObject(SETTING_DEFAULTS);
    });
});

describe("stack settings", () => {
    it("reads the dev stack as a test stack with its admin CIDR", () => {
        const dev = stackConfig();
        const s = parseSettings((k) => dev[`iiot-monitoring:${k}`]);
        expect(s).toMatchObject({ testStack: true, adminCidrs: ["203.0.113.0/24"], retentionDays: 15, backupRetentionDays: 14 });
    });

    it("reports every bad setting at once, by its config key", () => {
        let error: SettingsError | undefined;
        try {
            settingsOf({
                testStack: "yes",
                adminCidrs: JSON.stringify(["10.0.0.0/33", "office"]),
                retentionDays: "0",
                instanceType: "large",
                amiId: "ubuntu-24.04",
                dialTimeoutSeconds: "1m",
            });
        } catch (e) {
            error = e as SettingsError;
        }
        expect(error?.problems).toEqual([
            'iiot-monitoring:adminCidrs[0] "10.0.0.0/33" has a prefix longer than 32',
            'iiot-monitoring:adminCidrs[1] "office" is not a CIDR (address/prefix, e.g. 203.0.113.0/24)',
            'iiot-monitoring:testStack must be true or false, found "yes"',
            'iiot-monitoring:instanceType "large" is not an EC2 instance type like t3.medium',
            'iiot-monitoring:amiId "ubuntu-24.04" is not an AMI id like ami-0123456789abcdef0',
            'iiot-monitoring:retentionDays must be a whole number from 1 to 3650, found "0"',
            'iiot-monitoring:dialTimeoutSeconds must be a whole number from 5 to 600, found "1m"',
        ]);
    });

    it("reads the node alert thresholds under the node mixin's names, and refuses a critical level above the warning", () => {
        expect(settingsOf({ fsSpaceFillingUpWarningThreshold: "30", fsSpaceFillingUpCriticalThreshold: "15", cpuHighUsageThreshold: "80" }).nodeAlertThresholds).toEqual({
            ...NODE_ALERT_DEFAULTS,
            fsSpaceFillingUpWarningThreshold: 30,
            fsSpaceFillingUpCriticalThreshold: 15,
            cpuHighUsageThreshold: 80,
        });
        expect(() => settingsOf({ fsSpaceAvailableCriticalThreshold: "10" })).toThrow(
            "iiot-monitoring:fsSpaceAvailableCriticalThreshold (10% free) must be below fsSpaceAvailableWarningThreshold (5% free)",
        );
        expect(() => settingsOf({ memoryHighUtilizationThreshold: "101" })).toThrow('iiot-monitoring:memoryHighUtilizationThreshold must be a whole number from 1 to 100, found "101"');
    });

    it("puts the thresholds into the rendered node alerts", () => {
        const t = settingsOf({ fsSpaceFillingUpWarningThreshold: "30", diskIOSaturationThreshold: "25" }).nodeAlertThresholds;
        const rules = renderHostConfigFiles({ stackName: "t", nodeAlertThresholds: t })["config/prometheus/rules/node.yml"];
        const spaceLimits = [...rules.matchAll(/node_filesystem_size_bytes\{[^}]*\} \* 100 < (\d+)/g)].map((m) => Number(m[1]));
        expect(spaceLimits).toEqual([30, 20, 5, 3]);
        expect(rules).toMatch(/node_disk_io_time_weighted_seconds_total\{[^}]*\}\[5m\]\) > 25\n/);
    });

    it("refuses a list given as plain text", () => {
        expect(() => settingsOf({ adminCidrs: "203.0.113.0/24" })).toThrow(/adminCidrs must be a list of strings/);
    });

    it("treats empty sizing overrides as 'sized from the fleet'", () => {
        const s = settingsOf({ instanceType: "", dataVolumeSizeGiB: "0" });
        expect(s.instanceType).toBeUndefined();
    });
});
