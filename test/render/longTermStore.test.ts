import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { load } from "js-yaml";
import { renderHostConfigFiles } from "../../infra/host/hostConfigFiles";
import { ampRemoteWriteUrl, remoteWriteQueue, samplesPerSecond, SAMPLES_PER_SEND, ASSUMED_SEND_SECONDS } from "../../infra/host/ampRemoteWrite";
import { hostLongTermStorePolicy } from "../../infra/host/awsPolicies";
import { grafanaSettings } from "../../infra/host/grafanaSettings";
import { sizeHost } from "../../infra/host/sizing";
import { parseSettings } from "../../infra/settings/settings";

const WORKSPACE = { prometheusEndpoint: "https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/", region: "eu-west-2" };
const ARN = "arn:aws:aps:eu-west-2:123456789012:workspace/ws-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

interface RemoteWrite {
    url: string;
    sigv4?: { region: string; access_key?: string; secret_key?: string };
    queue_config: Record<string, number | string | boolean>;
}

function rendered(devices: number, scrapeIntervalSeconds = 30): Record<string, string> {
    return renderHostConfigFiles({ stackName: "test", scrapeIntervalSeconds, longTermStore: { workspace: WORKSPACE, activeSeries: sizeHost({ devices, scrapeIntervalSeconds, retentionDays: 7 }).activeSeries } });
}
const remoteWriteOf = (files: Record<string, string>) => (load(files["config/prometheus/prometheus.yml"]) as { remote_write?: RemoteWrite[] }).remote_write;

describe("longTermStore: amp, as the host's files say it", () => {
    it("prometheus.yml writes every sample to the workspace's remote-write URL, signed for its region, with no key anywhere", () => {
        const [rw, ...more] = remoteWriteOf(rendered(59))!;
        expect(more).toEqual([]);
        expect(rw.url).toBe("https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/api/v1/remote_write");
        expect(rw.sigv4).toEqual({ region: "eu-west-2" });
        expect(JSON.stringify(rendered(59))).not.toMatch(/access_key|secret_key|AKIA|sigV4AccessKey|sigV4SecretKey/);
    });

    it("without it, prometheus.yml has no remote_write and Grafana no second data source", () => {
        const files = renderHostConfigFiles({ stackName: "test" });
        expect(remoteWriteOf(files)).toBeUndefined();
        const ds = load(files["config/grafana/provisioning/datasources/iiotmon.yaml"]) as { datasources: { uid: string }[] };
        expect(ds.datasources.map((d) => d.uid)).toEqual(["prometheus", "timescaledb"]);
        expect(grafanaSettings({ rootUrl: "https://grafana.example.com" }).some((e) => e.startsWith("GF_AUTH_SIGV4"))).toBe(false);
    });

    it("the queue moves the fleet's samples with headroom: min_shards carry the steady rate, max_shards three times it", () => {
        for (const [devices, interval] of [[59, 30], [1000, 30], [10000, 30], [1000, 5]] as const) {
            const series = sizeHost({ devices, scrapeIntervalSeconds: interval, retentionDays: 7 }).activeSeries;
            const q = remoteWriteOf(rendered(devices, interval))![0].queue_config;
            const perShard = SAMPLES_PER_SEND / ASSUMED_SEND_SECONDS;
            const rate = samplesPerSecond({ activeSeries: series, scrapeIntervalSeconds: interval });
            expect((q.min_shards as number) * perShard).toBeGreaterThanOrEqual(rate);
            expect((q.max_shards as number) * perShard).toBeGreaterThanOrEqual(3 * rate);
            // "It is recommended to set capacity to 3-10 times max_samples_per_send."
            expect((q.capacity as number) / (q.max_samples_per_send as number)).toBeGreaterThanOrEqual(3);
            expect((q.capacity as number) / (q.max_samples_per_send as number)).toBeLessThanOrEqual(10);
            expect(q.retry_on_http_429).toBe(true);
        }
        // 10,000 devices every 30 s: 433,333 samples a second, 109 shards at the assumed 4,000 samples a second each.
        expect(remoteWriteQueue({ activeSeries: 13_000_000, scrapeIntervalSeconds: 30 })).toMatchObject({ min_shards: 109, max_shards: 327 });
    });

    it("Grafana gets the workspace as a SigV4 data source with the instance profile's credentials, and SigV4 switched on", () => {
        const ds = load(rendered(59)["config/grafana/provisioning/datasources/iiotmon.yaml"]) as { datasources: { uid: string; type: string; url: string; jsonData: Record<string, unknown>; secureJsonData?: unknown }[] };
        const amp = ds.datasources.find((d) => d.uid === "amp")!;
        expect(amp).toMatchObject({ type: "prometheus", url: "https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" });
        expect(amp.jsonData).toMatchObject({ sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "eu-west-2" });
        expect(amp.secureJsonData).toBeUndefined();
        expect(ds.datasources.find((d) => d.uid === "prometheus")).toMatchObject({ isDefault: true });
        expect(grafanaSettings({ rootUrl: "https://grafana.example.com", sigV4: true })).toContain("GF_AUTH_SIGV4_AUTH_ENABLED=true");
    });

    it("the host's policy allows writing and querying that one workspace, and no wildcard", () => {
        const p = JSON.parse(hostLongTermStorePolicy(ARN)) as { Statement: { Effect: string; Action: string[]; Resource: string[] }[] };
        expect(p.Statement.flatMap((s) => s.Action).sort()).toEqual(["aps:GetLabels", "aps:GetMetricMetadata", "aps:GetSeries", "aps:QueryMetrics", "aps:RemoteWrite"]);
        expect(p.Statement.every((s) => s.Effect === "Allow" && s.Resource.length === 1 && s.Resource[0] === ARN)).toBe(true);
        expect(() => hostLongTermStorePolicy("*")).toThrow(/not an AMP workspace ARN/);
    });

    it("is a setting: none by default, amp, or a clear error naming the key", () => {
        expect(parseSettings(() => undefined).longTermStore).toBe("none");
        expect(parseSettings((k) => (k === "longTermStore" ? "amp" : undefined)).longTermStore).toBe("amp");
        expect(() => parseSettings((k) => (k === "longTermStore" ? "thanos" : undefined))).toThrow('iiot-monitoring:longTermStore must be none or amp, found "thanos"');
    });

    it("refuses what is not a workspace endpoint or a region, by value", () => {
        expect(() => ampRemoteWriteUrl("http://example.com/")).toThrow(/not an AMP workspace endpoint: "http:\/\/example.com\/"/);
        expect(() => renderHostConfigFiles({ stackName: "t", longTermStore: { workspace: { ...WORKSPACE, region: "" }, activeSeries: 1 } })).toThrow(/not an AWS region: ""/);
    });

    it("promtool (Debian's 2.42; the host runs 3.5.0) accepts prometheus.yml with the remote_write and its sigv4 block", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amp-config-"));
        try {
            const prom = path.join(dir, "config/prometheus");
            const files = renderHostConfigFiles({
                stackName: "test",
                paths: { configDir: prom, targetsDir: `${prom}/targets`, secretsDir: `${prom}/secrets`, alertmanager: "127.0.0.1:9093", hostNodeExporter: "127.0.0.1:9100" },
                longTermStore: { workspace: WORKSPACE, activeSeries: 1_300_000 },
            });
            for (const [rel, text] of Object.entries({ ...files, "config/prometheus/secrets/scrape-ca.crt": "", "config/prometheus/secrets/scrape-password": "x\n" })) {
                fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
                fs.writeFileSync(path.join(dir, rel), text);
            }
            const r = spawnSync("promtool", ["check", "config", `${prom}/prometheus.yml`], { encoding: "utf8" });
            expect([r.status, `${r.stdout}${r.stderr}`]).toEqual([0, expect.stringContaining("SUCCESS")]);
            // A mistyped field is refused, so the check above is a real one.
            fs.writeFileSync(`${prom}/bad.yml`, files["config/prometheus/prometheus.yml"].replace("max_shards", "max_shard"));
            const bad = spawnSync("promtool", ["check", "config", `${prom}/bad.yml`], { encoding: "utf8" });
            expect([bad.status, `${bad.stdout}${bad.stderr}`]).toEqual([1, expect.stringContaining("field max_shard not found")]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
