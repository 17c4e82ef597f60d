import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { recordProgram, RecordedResource } from "../../lab/programUnderMocks";

export type { RecordedResource };

export const PROJECT = "iiot-monitoring";

// The program writes the Docker provider's SSH files for the stack; in tests they go to a directory removed at exit.
if (!process.env.IIOTMON_SSH_DIR) {
    const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "iiotmon-ssh-"));
    process.env.IIOTMON_SSH_DIR = dir;
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
}
export const ROOT = path.join(__dirname, "..", "..");

/** Realistic outputs for types whose important outputs are not inputs (see STYLE.md). */
function computedState(type: string, name: string): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: `pw-${name}-0123456789abcdef`, bcryptHash: `$2a$10$mock.hash.for.${name}.000000000000000000000000000` };
        case "tls:index/privateKey:PrivateKey":
            return {
                privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`,
                privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\nmock-${name}\n-----END OPENSSH PRIVATE KEY-----\n`,
                publicKeyPem: `mock-pub-${name}`,
                publicKeyOpenssh: `ssh-ed25519 AAAAmock${name.replace(/[^A-Za-z0-9]/g, "")}\n`,
            };
        case "aws:s3/bucket:Bucket":
            return { bucket: `${name}-bucket`, arn: `arn:aws:s3:::${name}-bucket` };
        case "aws:ec2/eip:Eip":
            return { publicIp: "203.0.113.10", allocationId: `eipalloc-${name}` };
        case "aws:iam/role:Role":
        case "aws:iam/instanceProfile:InstanceProfile":
            return { name, arn: `arn:aws:iam::123456789012:role/${name}` };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `sha256:mock-${name}` };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n` };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: `mock-csr-${name}` };
        case "command:remote:Command":
        case "command:local:Command":
            return { stdout: `mock stdout of ${name}`, stderr: "" };
        default:
            return {};
    }
}

export interface MockRun {
    readonly resources: RecordedResource[];
    byType(type: string): RecordedResource[];
    named(name: string): RecordedResource;
}

/** Installs mocks that record every resource; call before importing the program. Unknown invokes fail loudly. */
export async function recordResources(stack = "test"): Promise<MockRun> {
    const resources = await recordProgram(PROJECT, stack, (type, name) => computedState(type, name));
    return {
        resources,
        byType: (type) => resources.filter((r) => r.type === type),
        named: (name) => {
            const r = resources.find((x) => x.name === name);
            if (!r) throw new Error(`no resource named ${name}; have ${resources.map((x) => x.name).join(", ")}`);
            return r;
        },
    };
}

/** A stack's config file as the flat `project:key -> string` map Pulumi hands the program. */
export function stackConfig(file = path.join(ROOT, "Pulumi.dev.yaml")): Record<string, string> {
    const doc = load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(
        Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

/** Waits until every output the program created has settled, so recorded resources are complete. */
export function settle(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 50));
}

/** Resolves an Output in a test. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}
