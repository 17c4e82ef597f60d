import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/device/checksums";
import { HOST_SCRIPT_LAUNCHER } from "../../infra/host/hostCommand";
import { parseSettings, StackSettings } from "../../infra/settings/settings";
import { allRegistered, captureWarnings, simulatedEbsVolumes, MockRun, recordResources } from "../harness";
import { device, HEAD } from "../fleet/malformedCases";
import { deviceResourceNames, STACK_RESOURCES } from "../../infra/program/stack";
const HOST = STACK_RESOURCES.host;

/**
 * The monitoring host across `pulumi up`s, under mocks: what a settings change, a replaced instance
 * and a shrinking fleet do to the resources' inputs (what a preview compares).
 */
jest.setTimeout(120_000);

const checksums = loadChecksums();
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n";
const fleet = (() => {
    let text = HEAD;
    for (let i = 0; i < 3; i++) text += device(`d${i}`, `10.0.0.${i + 1}`);
    return parseFleet(text, { file: "endpoints.yaml", checksums }).fleet!;
})();
const settings = (values: Record<string, string>): StackSettings => parseSettings((k) => ({ amiId: "ami-0123456789abcdef0", ...values })[k]);

async function build(s: StackSettings): Promise<MockRun> {
    const run = await recordResources("prod");
    const { buildStack } = await import("../../infra/program/stack");
    const out = buildStack({ settings: s, fleet, checksums, secrets: new Map([["deviceSshKey", pulumi.secret(SSH_KEY)]]) });
    await new Promise<void>((resolve) => pulumi.all(Object.values(out.devices)).apply(() => resolve()));
    await allRegistered();
    return run;
}

// Components and their main child can share a name (a MonitoringHost and its instance): key by type too.
const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
const inputsByKey = (run: MockRun) => new Map(run.resources.map((r) => [key(r), JSON.stringify(r.inputs)]));
const instanceOf = (run: MockRun) => run.byType("aws:ec2/instance:Instance")[0];

describe("a settings change or script edit", () => {
    it("changing backupSchedule leaves the instance's inputs unchanged; only the host's setup step changes", async () => {
        const before = await build(settings({}));
        const after = await build(settings({ backupSchedule: "*-*-* 04:15:00" }));
        const [a, b] = [inputsByKey(before), inputsByKey(after)];
        for (const k of [`aws:ec2/instance:Instance::${HOST.instance}`, `aws:ebs/volume:Volume::${HOST.dataVolume}`, `aws:ec2/volumeAttachment:VolumeAttachment::${HOST.dataAttachment}`, `command:remote:Command::${HOST.ready}`]) {
            expect([k, b.get(k)]).toEqual([k, a.get(k)]);
        }
        expect(instanceOf(after).inputs.userData).toEqual(expect.stringContaining("#cloud-config"));
        const changed = [...a.keys()].filter((k) => a.get(k) !== b.get(k));
        expect(changed).toEqual([`command:remote:Command::${STACK_RESOURCES.hostConfiguration.system}`]);
        expect(after.named(STACK_RESOURCES.hostConfiguration.system).inputs.stdin).toContain("OnCalendar=*-*-* 04:15:00");
    });

    it("the instance's user data holds keys only: host scripts reach the host through the setup step", async () => {
        const run = await build(settings({}));
        const userData = instanceOf(run).inputs.userData as string;
        expect(userData).toContain("ssh_keys");
        expect(userData).not.toMatch(/host-backup|OnCalendar|BUCKET=|iiotmon-mount-data/);
        expect(run.named(STACK_RESOURCES.hostConfiguration.system).inputs.stdin).toMatch(/@@file \/usr\/local\/lib\/iiotmon\/host-backup\.sh 0755\n#!\/bin\/sh/);
        expect(instanceOf(run).inputs.userDataReplaceOnChange).toBe(true);
    });
});

describe("commands on the host", () => {
    let run: MockRun;
    beforeAll(async () => {
        run = await build(settings({}));
    });

    it("never pass the previous run's output in the environment", () => {
        for (const c of run.byType("command:remote:Command")) expect([c.name, c.inputs.addPreviousOutputInEnv]).toEqual([c.name, false]);
    });

    it("keep the script out of the command, so a failure's error carries the output, not the script", () => {
        // Two one-line commands carry no script: the readiness check and Grafana's admin password reset.
        const oneLiners: string[] = [HOST.ready, STACK_RESOURCES.grafanaAdmin.reset];
        const onDevices: string[] = fleet.devices.map((d) => deviceResourceNames(d.name).install);
        const host = run.byType("command:remote:Command").filter((c) => !onDevices.includes(c.name) && !oneLiners.includes(c.name));
        expect(host.map((c) => c.name).sort()).toEqual([STACK_RESOURCES.hostConfiguration.files, STACK_RESOURCES.hostConfiguration.system, STACK_RESOURCES.scrapeTargets.file].sort());
        for (const c of host) expect([c.name, c.inputs.create]).toEqual([c.name, HOST_SCRIPT_LAUNCHER]);
        for (const name of oneLiners) expect([name, (run.named(name).inputs.create as string).length < 300]).toEqual([name, true]);
    });

    it("wait for the Elastic IP's association: readiness re-runs with it, not only with the instance", () => {
        expect(run.named(HOST.ready).inputs.triggers).toEqual([`${HOST.instance}-id`, `${HOST.elasticIpAssociation}-id`]);
    });

    it("re-run the setup (mount, grow) when the data volume's size changes", () => {
        expect(run.named(STACK_RESOURCES.hostConfiguration.system).inputs.triggers).toEqual([`${HOST.instance}-id`, run.named(HOST.dataVolume).inputs.size]);
    });
});

describe("a replaced instance (same Elastic IP)", () => {
    async function services(instanceId: string): Promise<MockRun> {
        const run = await recordResources("prod");
        const docker = await import("@pulumi/docker");
        const { MonitoringServices } = await import("../../components/monitoringServices");
        const provider = new docker.Provider("p", { host: "ssh://ubuntu@203.0.113.10" });
        const configuration = new pulumi.ComponentResource("test:index:Configuration", "c");
        new MonitoringServices("services", { provider, retentionDays: 30, configuration, hostInstanceId: instanceId, grafanaAdminPassword: "pw", grafanaSettings: [], proxyBindAddress: "0.0.0.0" });
        await allRegistered();
        return run;
    }

    it("gets new images, network and containers in the same up: each has the instance in a replace-forcing input", async () => {
        const a = await services("i-0aaaaaaaaaaaaaaaa");
        const b = await services("i-0bbbbbbbbbbbbbbbb");
        const dockerResources = a.resources.filter((r) => r.type.startsWith("docker:index/"));
        // Prometheus, Alertmanager, Grafana, TimescaleDB, node-exporter, the Caddy proxy, blackbox_exporter
        // and snmp_exporter: 8 images, 8 containers, 1 network.
        expect(dockerResources.length).toBe(17);
        for (const r of dockerResources) {
            const forcing = r.type === "docker:index/remoteImage:RemoteImage" ? "triggers" : "labels";
            expect([r.name, JSON.stringify(r.inputs[forcing])]).not.toEqual([r.name, JSON.stringify(b.named(r.name).inputs[forcing])]);
            expect(JSON.stringify(b.named(r.name).inputs[forcing])).toContain("i-0bbbbbbbbbbbbbbbb");
        }
    });
});

describe("the data volume", () => {
    afterEach(() => simulatedEbsVolumes.splice(0));
    const volumeSize = (run: MockRun) => run.named(HOST.dataVolume).inputs.size;
    const TAG = { "iiotmon:data-volume": `iiot-monitoring/prod/${HOST.dataVolume}` };

    it("on the first up (no volume in AWS yet) is what the fleet asks for", async () => {
        const run = await build(settings({ dataVolumeSizeGiB: "50" }));
        expect(volumeSize(run)).toBe(50);
        expect(run.named(HOST.dataVolume).inputs.tags).toMatchObject(TAG);
    });

    it("never shrinks: a smaller ask keeps the size AWS reports for the stack's volume", async () => {
        simulatedEbsVolumes.push({ id: "vol-0abc", sizeGiB: 500, tags: TAG }, { id: "vol-0other", sizeGiB: 900, tags: { "iiotmon:data-volume": `iiot-monitoring/other/${HOST.dataVolume}` } });
        const captured = captureWarnings();
        try {
            expect(volumeSize(await build(settings({ dataVolumeSizeGiB: "50" })))).toBe(500);
        } finally {
            captured.restore();
        }
        expect(captured.messages).toEqual([expect.stringContaining("the data volume stays at 500 GiB (50 GiB asked for): EBS volumes can grow but never shrink")]);
        expect(volumeSize(await build(settings({ dataVolumeSizeGiB: "800" })))).toBe(800);
    });
});
