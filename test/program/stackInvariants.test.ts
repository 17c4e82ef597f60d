import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { encryptedStorage, imdsV2Required, noWorldOpenIngress, plaintextSecrets, RULES, SECRET_INPUTS } from "../../infra/policy/rules";
import { Fleet } from "../../infra/fleet/types";
import { loadChecksums } from "../../infra/device/checksums";
import { parseSettings, StackSettings } from "../../infra/settings/settings";
import { allRegistered, placeholderOutputs, recordResources, MockRun, RecordedResource } from "../harness";
import { device, HEAD } from "../fleet/malformedCases";
import { deviceResourceNames, STACK_RESOURCES } from "../../infra/program/stack";

/**
 * The whole graph under mocks: its security invariants, and the blast radius of fleet edits (what a
 * preview would show), compared resource by resource between two runs of the program.
 */
jest.setTimeout(300_000);

const checksums = loadChecksums();
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n";

function settingsOf(values: Record<string, string>): StackSettings {
    return parseSettings((k) => values[k]);
}

function fleetOf(devices: number, edit: (i: number) => string = () => ""): Fleet {
    let text = HEAD;
    for (let i = 0; i < devices; i++) text += device(`d${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, edit(i));
    const r = parseFleet(text, { file: "endpoints.yaml", checksums });
    if (!r.fleet) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
    return r.fleet;
}

interface Built {
    run: MockRun;
}

async function build(fleet: Fleet, settings: StackSettings): Promise<Built> {
    const run = await recordResources("prod");
    const { buildStack } = await import("../../infra/program/stack");
    const out = buildStack({ settings, fleet, checksums, secrets: new Map([["deviceSshKey", pulumi.secret(SSH_KEY)]]) });
    await new Promise<void>((resolve) => pulumi.all(Object.values(out.devices)).apply(() => resolve()));
    await allRegistered();
    return { run };
}

/**
 * Builds the components that hold data under a parent whose transformation records each child's
 * options: mocks do not see options such as `protect`, transformations do.
 */
async function dataHolders(testStack: boolean): Promise<Map<string, pulumi.ResourceOptions>> {
    await recordResources("prod");
    const options = new Map<string, pulumi.ResourceOptions>();
    const probe = new pulumi.ComponentResource("test:index:Probe", "probe", {}, {
        transformations: [(args) => {
            options.set(args.name, args.opts);
            return undefined;
        }],
    });
    const { BackupBucket } = await import("../../components/backupBucket");
    const { MonitoringHost } = await import("../../components/monitoringHost");
    new BackupBucket(STACK_RESOURCES.backups.component, { testStack, retentionDays: 30 }, { parent: probe });
    new MonitoringHost(STACK_RESOURCES.host.component, { amiId: "ami-0123456789abcdef0", instanceType: "t3.small", dataVolumeGiB: 30, ingress: [], egressCidrs: ["10.0.0.0/8"], backupBucketArn: "arn:aws:s3:::b", testStack }, { parent: probe });
    await allRegistered();
    return options;
}

/** Every place a value appears in a resource's inputs, as a dotted path. */
function pathsOf(value: unknown, at = ""): [string, unknown][] {
    if (Array.isArray(value)) return value.flatMap((v, i) => pathsOf(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => pathsOf(v, at ? `${at}.${k}` : k));
    return [[at, value]];
}

function isUnderSecret(r: RecordedResource, p: string): boolean {
    return r.secretPaths.some((s) => s === "" || p === s || p.startsWith(`${s}.`) || p.startsWith(`${s}[`));
}

const PROD = settingsOf({ amiId: "ami-0123456789abcdef0", adminCidrs: JSON.stringify(["203.0.113.0/24", "2001:db8::/48"]), egressCidrs: JSON.stringify(["10.0.0.0/8", "198.51.100.0/24"]) });

describe("the stack's invariants", () => {
    let built: Built;
    beforeAll(async () => {
        built = await build(fleetOf(3), PROD);
    });

    it("opens nothing to the world: ingress only from the admin CIDRs, egress only to the egress CIDRs", () => {
        const ingress = built.run.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        expect(ingress.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6]).sort()).toEqual([
            [22, "2001:db8::/48"],
            [22, "203.0.113.0/24"],
            [443, "2001:db8::/48"],
            [443, "203.0.113.0/24"],
            [80, "2001:db8::/48"],
            [80, "203.0.113.0/24"],
        ]);
        const egress = built.run.byType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
        expect(egress.map((r) => r.inputs.cidrIpv4).sort()).toEqual(["10.0.0.0/8", "198.51.100.0/24"]);
        // The policy pack's own rule, run on every resource.
        expect(built.run.resources.flatMap((r) => noWorldOpenIngress(r.type, r.inputs))).toEqual([]);
    });

    it("publishes only the HTTPS proxy beyond the host; Grafana, Prometheus, Alertmanager, PostgreSQL and the exporters listen on loopback", () => {
        const ports = built.run.byType("docker:index/container:Container").map((c) => [c.inputs.name, ((c.inputs.ports ?? []) as { ip?: string; external: number }[]).map((p) => `${p.ip ?? "0.0.0.0"}:${p.external}`)]);
        expect(ports.sort()).toEqual([
            ["alertmanager", ["127.0.0.1:9093"]],
            ["blackbox-exporter", ["127.0.0.1:9115"]],
            ["caddy", ["0.0.0.0:80", "0.0.0.0:443"]],
            ["grafana", ["127.0.0.1:3000"]],
            ["node-exporter", []],
            ["prometheus", ["127.0.0.1:9090"]],
            ["snmp-exporter", ["127.0.0.1:9116"]],
            ["timescaledb", ["127.0.0.1:5432"]],
        ]);
    });

    it("requires IMDSv2 and encrypts every volume", () => {
        expect(built.run.byType("aws:ec2/instance:Instance")).toHaveLength(1);
        expect(built.run.byType("aws:ebs/volume:Volume")).toHaveLength(1);
        expect(built.run.resources.flatMap((r) => [...imdsV2Required(r.type, r.inputs), ...encryptedStorage(r.type, r.inputs)].map((p) => `${r.name}: ${p}`))).toEqual([]);
    });

    it("runs containers that restart, report health and are waited for, from pinned images", () => {
        for (const c of built.run.byType("docker:index/container:Container")) {
            expect([c.inputs.name, c.inputs.restart, c.inputs.wait, (c.inputs.healthcheck as { tests: string[] }).tests.length > 0]).toEqual([c.inputs.name, "unless-stopped", true, true]);
        }
        const images = built.run.byType("docker:index/remoteImage:RemoteImage").map((i) => i.inputs.name as string);
        for (const image of images) expect(image).toMatch(/:v?\d+\.\d+\.\d+(-pg17)?$/);
        expect(images.find((i) => i.startsWith("prom/prometheus:"))).toMatch(/:v3\./);
        expect(images.find((i) => i.startsWith("grafana/grafana:"))).toMatch(/:12\./);
    });

    it("lets the host write only to its backup bucket", () => {
        const policy = JSON.parse(built.run.byType("aws:iam/rolePolicy:RolePolicy")[0].inputs.policy as string);
        const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
        // DeleteObject: restic removes its lock files after each command and, in prune, unused packs.
        expect(actions.sort()).toEqual(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
        for (const s of policy.Statement) for (const res of s.Resource) expect(res).toMatch(new RegExp(`^arn:aws:s3:::${STACK_RESOURCES.backups.bucket}-bucket(/\\*)?$`));
    });

    it("never expires what the restic repository still needs: restic's retention deletes, the lifecycle does not", () => {
        const rules = built.run.byType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].inputs.rules as { filter: { prefix: string }; expiration?: { days?: number } }[];
        const overRepository = rules.filter((r) => "restic/".startsWith(r.filter.prefix) || r.filter.prefix.startsWith("restic/"));
        expect(overRepository.length).toBeGreaterThan(0);
        for (const r of overRepository) expect(r.expiration?.days).toBeUndefined();
        expect(rules.find((r) => r.filter.prefix === "backups/")?.expiration?.days).toBe(PROD.backupRetentionDays);
        // The backup settings reach the host in place, through the system step, never through user data.
        expect(built.run.named(STACK_RESOURCES.hostConfiguration.system).inputs.stdin).toContain(`BACKUP_RETENTION_DAYS=${PROD.backupRetentionDays}`);
        expect(built.run.byType("aws:ec2/instance:Instance")[0].inputs.userData).not.toContain("BACKUP_RETENTION_DAYS");
    });

    it("gives the host the repository password as a root-only file, through the secret stdin of the configuration step", () => {
        const config = built.run.named(STACK_RESOURCES.hostConfiguration.files);
        expect(config.secretPaths).toContain("stdin");
        expect(config.inputs.stdin).toContain(`@@file config/backup/restic-password 0400 0\n${placeholderOutputs("random:index/randomPassword:RandomPassword", STACK_RESOURCES.backups.repositoryPassword).result}\n`);
    });

    it("keeps every secret out of plain inputs", () => {
        // The policy pack's rule, with the real secret marks the mocks record.
        expect(built.run.resources.flatMap((r) => plaintextSecrets(r.type, r.inputs, (p) => isUnderSecret(r, p)).map((x) => `${r.name}: ${x}`))).toEqual([]);
        // The mocks' placeholder passwords are not PEM or bcrypt: look for them too.
        const leaks: string[] = [];
        for (const r of built.run.resources) {
            for (const [p, v] of pathsOf(r.inputs)) {
                if (typeof v === "string" && [/secret-key-material/, /^pw-/, /=pw-/].some((re) => re.test(v)) && !isUnderSecret(r, p)) leaks.push(`${r.name}.${p}`);
            }
        }
        expect(leaks).toEqual([]);
    });

    it("marks as secret every input the policy pack counts on being secret (previews show policies no marks)", () => {
        const unmarked: string[] = [];
        for (const r of built.run.resources) {
            for (const field of SECRET_INPUTS[r.type] ?? []) {
                if (r.inputs[field] !== undefined && !isUnderSecret(r, field)) unmarked.push(`${r.name}.${field}`);
            }
        }
        expect(unmarked).toEqual([]);
        expect(built.run.resources.filter((r) => SECRET_INPUTS[r.type]).length).toBeGreaterThan(10);
    });

    it("passes every policy of the pack (infra/policy), as a real preview of this stack would", () => {
        const found: string[] = [];
        for (const r of built.run.resources) {
            for (const [name, rule] of Object.entries(RULES)) {
                found.push(...rule(r.type, r.inputs).map((p) => `${name}: ${r.name}: ${p}`));
            }
        }
        expect(found).toEqual([]);
        const onDevices: string[] = fleetOf(3).devices.map((d) => deviceResourceNames(d.name).install);
        expect(built.run.byType("command:remote:Command").filter((c) => !onDevices.includes(c.name)).length).toBeGreaterThanOrEqual(4);
    });

    it("protects the data volume and the bucket on a production stack", async () => {
        const options = await dataHolders(false);
        // Without its password the repository cannot be read: kept like the bucket.
        for (const name of [STACK_RESOURCES.host.dataVolume, STACK_RESOURCES.backups.bucket, STACK_RESOURCES.backups.repositoryPassword]) {
            expect([name, options.get(name)?.protect, options.get(name)?.retainOnDelete]).toEqual([name, true, true]);
        }
        expect(built.run.byType("aws:s3/bucket:Bucket")[0].inputs.forceDestroy).toBe(false);
    });
});

describe("a test stack", () => {
    it("can be destroyed completely: nothing protected, the bucket emptied on delete", async () => {
        const options = await dataHolders(true);
        expect(options.size).toBeGreaterThan(15);
        for (const [name, opts] of options) expect([name, opts.protect ?? false, opts.retainOnDelete ?? false]).toEqual([name, false, false]);
        const built = await build(fleetOf(2), settingsOf({ testStack: "true", amiId: "ami-0123456789abcdef0" }));
        expect(built.run.byType("aws:s3/bucket:Bucket")[0].inputs.forceDestroy).toBe(true);
    });
});

describe("the blast radius of a fleet edit, in a 1,000-device fleet", () => {
    let base: Built;
    beforeAll(async () => {
        base = await build(fleetOf(1000), PROD);
    });

    function changed(a: Built, b: Built): string[] {
        const before = new Map(a.run.resources.map((r) => [r.name, JSON.stringify(r.inputs)]));
        const after = new Map(b.run.resources.map((r) => [r.name, JSON.stringify(r.inputs)]));
        const names = new Set([...before.keys(), ...after.keys()]);
        return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
    }

    const deviceResources = (name: string) => { const n = deviceResourceNames(name); return [n.component, n.install, n.tlsCert, n.tlsCsr, n.tlsKey]; };

    it("adding one device changes that device's resources and the targets file only", async () => {
        const added = await build(fleetOf(1001), PROD);
        expect(changed(base, added)).toEqual([...deviceResources("d1000"), STACK_RESOURCES.scrapeTargets.file].sort());
    });

    it("removing one device changes that device's resources and the targets file only", async () => {
        const removed = await build(fleetOf(999), PROD);
        expect(changed(base, removed)).toEqual([...deviceResources("d999"), STACK_RESOURCES.scrapeTargets.file].sort());
    });

    it("relabelling one device changes the targets file only", async () => {
        const relabelled = await build(fleetOf(1000, (i) => (i === 500 ? "    labels: {rack: r7}\n" : "")), PROD);
        expect(changed(base, relabelled)).toEqual([STACK_RESOURCES.scrapeTargets.file]);
    });
});
