import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/device/checksums";
import { parseSettings, StackSettings } from "../../infra/settings/settings";
import { Fleet } from "../../infra/fleet/types";
import { RULES } from "../../infra/policy/rules";
import { allRegistered, captureWarnings, generatedFleetYaml, recordResources, MockRun, RecordedResource } from "../harness";
import { device, HEAD } from "../fleet/malformedCases";
import { STACK_RESOURCES } from "../../infra/program/stack";

/**
 * longTermStore: amp under mocks: the workspace, the host's IAM policy on it, the instance's metadata hop
 * limit, the remote_write and the Grafana data source the host receives; and the preview's warning when
 * one host is not enough.
 */
jest.setTimeout(300_000);

const checksums = loadChecksums();
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n";
const WORKSPACE_ARN = "arn:aws:aps:eu-west-2:123456789012:workspace/ws-long-term-store";

function settingsOf(values: Record<string, string>): StackSettings {
    return parseSettings((k) => ({ amiId: "ami-0123456789abcdef0", ...values })[k]);
}

function fleetOf(text: string): Fleet {
    const r = parseFleet(text, { file: "endpoints.yaml", checksums });
    if (!r.fleet) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
    return r.fleet;
}
const SMALL = fleetOf(HEAD + device("d0", "10.0.0.1") + device("d1", "10.0.0.2"));

async function build(fleet: Fleet, settings: StackSettings): Promise<{ run: MockRun; warnings: string[] }> {
    const captured = captureWarnings();
    try {
        const run = await recordResources("prod");
        const { buildStack } = await import("../../infra/program/stack");
        const out = buildStack({ settings, fleet, checksums, secrets: new Map([["deviceSshKey", pulumi.secret(SSH_KEY)]]) });
        await new Promise<void>((resolve) => pulumi.all(Object.values(out.devices)).apply(() => resolve()));
        await allRegistered();
        return { run, warnings: [...captured.messages] };
    } finally {
        captured.restore();
    }
}

const hostFiles = (run: MockRun) => {
    const stdin = run.named(STACK_RESOURCES.hostConfiguration.files).inputs.stdin as string;
    const files: Record<string, string> = {};
    for (const m of stdin.matchAll(/@@file (\S+) \S+ \S+\n([\s\S]*?)(?=@@file |@@end\n)/g)) files[m[1]] = m[2];
    return files;
};
const grafanaEnv = (run: MockRun) => (run.byType("docker:index/container:Container").find((c) => c.inputs.name === "grafana") as RecordedResource).inputs.envs as string[];
const instance = (run: MockRun) => run.byType("aws:ec2/instance:Instance")[0];
const hopLimit = (run: MockRun) => (instance(run).inputs.metadataOptions as { httpPutResponseHopLimit: number }).httpPutResponseHopLimit;

describe("longTermStore: amp", () => {
    let run: MockRun;
    beforeAll(async () => {
        ({ run } = await build(SMALL, settingsOf({ longTermStore: "amp", retentionDays: "7" })));
    });

    it("creates one AMP workspace", () => {
        const ws = run.byType("aws:amp/workspace:Workspace");
        expect(ws.map((w) => w.name)).toEqual([STACK_RESOURCES.longTermStore.workspace]);
        expect(ws[0].inputs.alias).toBe("iiotmon-prod");
    });

    it("protects the workspace and keeps it on delete like the data volume, except on a test stack", async () => {
        // Mocks do not see resource options; a parent's transformation does.
        const { LongTermStore } = await import("../../components/longTermStore");
        const seen = new Map<string, pulumi.ResourceOptions>();
        const probe = new pulumi.ComponentResource("test:index:Probe", "probe", {}, { transformations: [(a) => (seen.set(`${a.type} ${a.name}`, a.opts), undefined)] });
        new LongTermStore("prod-store", { testStack: false }, { parent: probe });
        new LongTermStore("test-store", { testStack: true }, { parent: probe });
        await allRegistered();
        const opts = (name: string) => seen.get(`aws:amp/workspace:Workspace ${name}`)!;
        expect([opts("prod-store").protect, opts("prod-store").retainOnDelete]).toEqual([true, true]);
        expect([opts("test-store").protect, opts("test-store").retainOnDelete]).toEqual([false, false]);
    });

    it("gives the instance role write and query on that workspace only, and nothing else new", () => {
        const policy = JSON.parse(run.named(STACK_RESOURCES.host.longTermStorePolicy).inputs.policy as string) as { Statement: { Effect: string; Action: string[]; Resource: string[] }[] };
        expect(policy.Statement.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([
            ["Allow", ["aps:RemoteWrite"], [WORKSPACE_ARN]],
            ["Allow", ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"], [WORKSPACE_ARN]],
        ]);
        expect(run.byType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name).sort()).toEqual([STACK_RESOURCES.host.backupPolicy, STACK_RESOURCES.host.longTermStorePolicy].sort());
        expect(run.byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => r.inputs.policyArn)).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
    });

    it("lets the containers reach the instance metadata service (hop limit 2), still IMDSv2 only", () => {
        expect(hopLimit(run)).toBe(2);
        expect(instance(run).inputs.metadataOptions).toMatchObject({ httpTokens: "required" });
    });

    it("delivers a prometheus.yml that remote-writes to the workspace, signed for its region, and a SigV4 Grafana data source", () => {
        const files = hostFiles(run);
        const prom = load(files["config/prometheus/prometheus.yml"]) as { remote_write: { url: string; sigv4: unknown }[] };
        expect(prom.remote_write.map((r) => [r.url, r.sigv4])).toEqual([["https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-long-term-store/api/v1/remote_write", { region: "eu-west-2" }]]);
        const ds = load(files["config/grafana/provisioning/datasources/iiotmon.yaml"]) as { datasources: { uid: string; url: string; jsonData: object }[] };
        expect(ds.datasources.find((d) => d.uid === "amp")).toMatchObject({ url: "https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-long-term-store", jsonData: { sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "eu-west-2" } });
        expect(grafanaEnv(run)).toContain("GF_AUTH_SIGV4_AUTH_ENABLED=true");
    });

    it("keeps the short local retention it was given", () => {
        const prometheus = run.byType("docker:index/container:Container").find((c) => c.inputs.name === "prometheus") as RecordedResource;
        expect(prometheus.inputs.command).toContain("--storage.tsdb.retention.time=7d");
    });

    it("passes every rule of the policy pack, the new no-wildcard-iam-actions included", () => {
        const problems = run.resources.flatMap((r) => Object.entries(RULES).flatMap(([name, rule]) => rule(r.type, r.inputs).map((p) => `${r.name} ${name}: ${p}`)));
        expect(problems).toEqual([]);
    });
});

describe("longTermStore: none (the default)", () => {
    it("makes no workspace, no AMP policy, keeps the hop limit at 1, and gives Grafana no second data source", async () => {
        const { run } = await build(SMALL, settingsOf({}));
        expect(run.byType("aws:amp/workspace:Workspace")).toEqual([]);
        expect(run.byType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name)).toEqual([STACK_RESOURCES.host.backupPolicy]);
        expect(hopLimit(run)).toBe(1);
        const files = hostFiles(run);
        expect(files["config/prometheus/prometheus.yml"]).not.toContain("remote_write");
        expect(files["config/grafana/provisioning/datasources/iiotmon.yaml"]).not.toContain("sigV4");
        expect(grafanaEnv(run).some((e) => e.startsWith("GF_AUTH_SIGV4"))).toBe(false);
    });
});

describe("when one host is not enough, the preview says so", () => {
    const generated = (n: number) => fleetOf(generatedFleetYaml(n));

    it("a fleet that fits says nothing", async () => {
        const { warnings } = await build(generated(59), settingsOf({}));
        expect(warnings.filter((w) => w.includes("not enough"))).toEqual([]);
    });

    it("500 generated devices on a pinned t3.medium, with ten years' retention: both limits, with the numbers and the two ways out", async () => {
        const { warnings } = await build(generated(500), settingsOf({ instanceType: "t3.medium", retentionDays: "3650", testStack: "true" }));
        const w = warnings.filter((m) => m.includes("not enough"));
        expect(w).toHaveLength(1);
        expect(w[0]).toContain("its 500 devices make about 650,000 active series, and Prometheus needs 4.3 GiB of memory with headroom, more than the 4 GiB of t3.medium (the instanceType setting)");
        expect(w[0]).toMatch(/3650 days of samples need a [\d,]+ GiB data volume, more than the 16,384 GiB AWS makes a gp3 volume/);
        expect(w[0]).toContain("pulumi config set longTermStore amp and a short retentionDays");
        // (4 GiB - 1.5 GiB base) / 1.5 headroom / 3 kB a series = 582,542 series, / 1,300 a device = 448 devices.
        expect(w[0]).toContain("one t3.medium holds about 582,542 series (448 node_exporter devices)");
        expect(w[0]).toContain("more hosts: split the fleet by site into stacks of at most 448 devices");
        expect(w[0]).toContain("docs/explanation/multi-host.md");
    });
});
