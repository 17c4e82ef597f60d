import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderAlertmanagerConfig } from "../../infra/host/alertmanagerConfig";
import { AlertmanagerProcess } from "../../lab/alertmanagerProcess";
import { sleep } from "../../lab/exec";

/** Routing checked with amtool; inhibitions with a real Alertmanager (Debian's) on loopback. */
jest.setTimeout(120_000);

const CHANNELS = {
    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
    webhookUrl: "https://events.example.com/alert",
    email: { to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts", password: "smtp-secret" },
};

describe("alertmanager.yml", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-"));
    const file = path.join(dir, "alertmanager.yml");
    fs.writeFileSync(file, renderAlertmanagerConfig(CHANNELS));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it.each([
        ["with every channel", CHANNELS],
        ["with no channel", {}],
        ["with Slack only", { slackWebhookUrl: CHANNELS.slackWebhookUrl }],
    ])("passes amtool check-config %s", (_what, channels) => {
        const f = path.join(dir, "check.yml");
        fs.writeFileSync(f, renderAlertmanagerConfig(channels));
        const r = spawnSync("amtool", ["check-config", f], { encoding: "utf8" });
        expect([r.status, r.stdout]).toEqual([0, expect.stringContaining("SUCCESS")]);
    });

    it.each([
        ["severity=critical alertname=DeviceDown site=north instance=a", "critical"],
        ["severity=warning alertname=NodeMemoryHighUtilization site=north instance=a", "warning"],
        ["severity=info alertname=NodeCPUHighUsage site=north instance=a", "default"],
        // The monitoring host's own node alerts and the monitoring rules carry iiotmon_scope=monitoring.
        ["severity=critical alertname=NodeFilesystemAlmostOutOfSpace job=host instance=monitoring-host iiotmon_scope=monitoring", "monitoring-critical"],
        ["severity=warning alertname=NodeFilesystemAlmostOutOfSpace job=host instance=monitoring-host iiotmon_scope=monitoring", "monitoring-warning"],
        ["severity=warning alertname=BackupStale job=host instance=monitoring-host iiotmon_scope=monitoring", "monitoring-warning"],
        ["severity=info alertname=NodeCPUHighUsage job=host instance=monitoring-host iiotmon_scope=monitoring", "default"],
        // The same alert of a device stays with the fleet's receivers.
        ["severity=warning alertname=NodeFilesystemAlmostOutOfSpace job=node instance=wtg-01 site=north", "warning"],
    ])("routes %s to %s", (labels, receiver) => {
        const r = spawnSync("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels.split(" ")], { encoding: "utf8" });
        expect([r.status, r.stdout.trim()]).toEqual([0, receiver]);
    });

    it("sends critical and warning alerts to every configured channel", () => {
        const yaml = fs.readFileSync(file, "utf8");
        for (const receiver of ["critical", "warning", "monitoring-critical", "monitoring-warning"]) {
            const block = yaml.split(`- name: ${receiver}\n`)[1].split("\n  - name:")[0];
            expect(block).toContain("slack_configs");
            expect(block).toContain("webhook_configs");
            expect(block).toContain("email_configs");
        }
    });

    describe("inhibitions in a running Alertmanager", () => {
        const port = 19093;
        let am: AlertmanagerProcess | undefined;

        beforeAll(async () => {
            const amFile = path.join(dir, "running.yml");
            fs.writeFileSync(amFile, renderAlertmanagerConfig({}));
            am = new AlertmanagerProcess(amFile, `${dir}/data`, port, path.join(dir, "am.log"));
            await am.start();
            const alert = (labels: Record<string, string>) => ({ labels: { job: "node", region: "sea", ...labels }, startsAt: new Date().toISOString() });
            const status = await am.post([
                alert({ alertname: "DeviceDown", severity: "critical", instance: "a", site: "north" }),
                alert({ alertname: "NodeMemoryHighUtilization", severity: "warning", instance: "a", site: "north" }),
                alert({ alertname: "SiteDown", severity: "critical", site: "south" }),
                alert({ alertname: "DeviceDown", severity: "critical", instance: "s1", site: "south" }),
                alert({ alertname: "DeviceTemperatureHigh", severity: "critical", instance: "b", site: "north" }),
                alert({ alertname: "DeviceTemperatureHigh", severity: "warning", instance: "b", site: "north" }),
                alert({ alertname: "NodeMemoryHighUtilization", severity: "warning", instance: "c", site: "north" }),
            ]);
            expect(status).toBe(200);
            // The inhibitor learns the source alerts from its subscription, after the POST returns: wait
            // until it mutes anything (three targets here), then the test checks exactly what.
            for (let i = 0; i < 100 && (await inhibited()).length < 3; i++) await sleep(100);
        });
        afterAll(() => am?.stop());

        async function inhibited(): Promise<string[]> {
            const r = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`);
            const alerts = (await r.json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
            return alerts
                .filter((a) => a.status.inhibitedBy.length > 0)
                .map((a) => `${a.labels.alertname}/${a.labels.severity}/${a.labels.instance ?? a.labels.site}`)
                .sort();
        }

        it("silences a down device's other alerts, a down site's DeviceDown, and the warning twin of a critical alert", async () => {
            expect(await inhibited()).toEqual(["DeviceDown/critical/s1", "DeviceTemperatureHigh/warning/b", "NodeMemoryHighUtilization/warning/a"]);
        });
    });
});
