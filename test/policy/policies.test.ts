import type { ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import * as fs from "fs";
import * as path from "path";
import { load } from "js-yaml";
import { POLICIES } from "../../infra/policy/policies";
import { USER_DATA_LIMIT_BYTES } from "../../infra/policy/limits";
import { ROOT } from "../harness";
import { hostLongTermStorePolicy, tlsOnlyBucketPolicy } from "../../infra/host/awsPolicies";

/** What a preview hands a policy for one resource (the fields our policies read). */
function resource(type: string, props: Record<string, unknown>): ResourceValidationArgs {
    return { type, props, urn: `urn:pulumi:dev::iiot-monitoring::${type}::r`, name: "r" } as unknown as ResourceValidationArgs;
}

/** Runs one policy of the pack, as the engine would, and returns its violations. */
function violations(policyName: string, type: string, props: Record<string, unknown>): string[] {
    const policy = POLICIES.find((p) => p.name === policyName);
    if (!policy) throw new Error(`no policy ${policyName}`);
    const found: string[] = [];
    const validate = policy.validateResource as ResourceValidation;
    void validate(resource(type, props), (message?: string) => found.push(message ?? ""));
    return found;
}

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHxk0p3ZlKf0fRnB3XK9GvjJwYQ0bq3m8hBfW3Yw5cJj";
const RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7";
const PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const CMD = "command:remote:Command";
const INSTANCE = "aws:ec2/instance:Instance";

describe("the policy pack", () => {
    it("has one mandatory policy per contract, and a PulumiPolicy.yaml the CLI can run", () => {
        expect(POLICIES.map((p) => [p.name, p.enforcementLevel])).toEqual(
            ["ssh-host-key-type", "remote-command-length", "no-world-open-ingress", "imdsv2-required", "encrypted-storage", "no-plaintext-secret", "user-data-size", "no-wildcard-iam-actions"].map((n) => [n, "mandatory"]),
        );
        const dir = path.join(ROOT, "infra", "policy");
        expect(load(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: "nodejs" });
        // The pack installs its own dependencies (npm ci --prefix infra/policy): the same versions as the program's.
        const pack = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(pack.dependencies).toEqual({ "@pulumi/policy": root.devDependencies["@pulumi/policy"], "@pulumi/pulumi": root.dependencies["@pulumi/pulumi"] });
        const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
        expect(lock.packages["node_modules/@pulumi/policy"].version).toBe(pack.dependencies["@pulumi/policy"]);
        expect(lock.packages["node_modules/ts-node"].version).toBe(pack.devDependencies["ts-node"]);
    });

    it("ssh-host-key-type: ed25519 passes; ssh-rsa on a device or its bastion fails", () => {
        expect(violations("ssh-host-key-type", CMD, { connection: { host: "10.0.0.1", hostKey: ED25519, proxy: { hostKey: "ecdsa-sha2-nistp256 AAAA" } } })).toEqual([]);
        expect(violations("ssh-host-key-type", CMD, { connection: { host: "10.0.0.1", hostKey: RSA } })).toEqual([expect.stringContaining("OpenSSH 8.8+ refuses ssh-rsa")]);
        expect(violations("ssh-host-key-type", "command:remote:CopyToRemote", { connection: { hostKey: ED25519, proxy: { hostKey: RSA } } })).toEqual([expect.stringMatching(/^connection\.proxy\.hostKey/)]);
    });

    it("remote-command-length: 9,000 bytes pass; one byte more fails", () => {
        expect(violations("remote-command-length", CMD, { create: "x".repeat(9000), delete: "rm -f /x" })).toEqual([]);
        expect(violations("remote-command-length", CMD, { create: "true", delete: "x".repeat(9001) })).toEqual([expect.stringMatching(/^delete is 9001 bytes/)]);
    });

    it("no-world-open-ingress: an admin CIDR passes; 0.0.0.0/0 or ::/0 fails, in every way of writing a rule", () => {
        expect(violations("no-world-open-ingress", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv4: "203.0.113.0/24", fromPort: 22 })).toEqual([]);
        expect(violations("no-world-open-ingress", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", { cidrIpv4: "0.0.0.0/0" })).toEqual([]);
        expect(violations("no-world-open-ingress", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv6: "::/0", fromPort: 3000 })).toHaveLength(1);
        expect(violations("no-world-open-ingress", "aws:ec2/securityGroupRule:SecurityGroupRule", { type: "ingress", cidrBlocks: ["0.0.0.0/0"] })).toHaveLength(1);
        expect(violations("no-world-open-ingress", "aws:ec2/securityGroup:SecurityGroup", { ingress: [{ cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }] })).toHaveLength(1);
    });

    it("imdsv2-required: httpTokens required passes; optional or unset fails", () => {
        expect(violations("imdsv2-required", INSTANCE, { metadataOptions: { httpTokens: "required" } })).toEqual([]);
        expect(violations("imdsv2-required", INSTANCE, { metadataOptions: { httpTokens: "optional" } })).toHaveLength(1);
        expect(violations("imdsv2-required", INSTANCE, {})).toHaveLength(1);
    });

    it("encrypted-storage: encrypted volumes pass; an unencrypted data volume or root device fails", () => {
        expect(violations("encrypted-storage", "aws:ebs/volume:Volume", { encrypted: true, size: 40 })).toEqual([]);
        expect(violations("encrypted-storage", INSTANCE, { rootBlockDevice: { encrypted: true } })).toEqual([]);
        expect(violations("encrypted-storage", "aws:ebs/volume:Volume", { size: 40 })).toHaveLength(1);
        expect(violations("encrypted-storage", INSTANCE, { rootBlockDevice: { encrypted: false }, ebsBlockDevices: [{ encrypted: true }, {}] })).toEqual([
            "rootBlockDevice.encrypted must be true",
            "ebsBlockDevices[1].encrypted must be true",
        ]);
    });

    it("no-plaintext-secret: a key on stdin (secret) passes; a key or bcrypt hash in a plain input fails", () => {
        expect(violations("no-plaintext-secret", CMD, { create: "install", stdin: PEM, connection: { privateKey: PEM } })).toEqual([]);
        expect(violations("no-plaintext-secret", CMD, { create: `echo '${PEM}'` })).toEqual([expect.stringMatching(/^create holds a private key/)]);
        expect(violations("no-plaintext-secret", "docker:index/container:Container", { labels: [{ label: "h", value: "$2a$10$abcdefghijklmnopqrstuv" }] })).toEqual([expect.stringMatching(/^labels\[0\]\.value/)]);
    });

    it("user-data-size: 16,384 bytes pass; more fails, raw or base64", () => {
        expect(violations("user-data-size", INSTANCE, { userData: "#cloud-config\n" + "a".repeat(USER_DATA_LIMIT_BYTES - 14) })).toEqual([]);
        expect(violations("user-data-size", INSTANCE, { userData: "a".repeat(USER_DATA_LIMIT_BYTES + 1) })).toEqual([`userData is ${USER_DATA_LIMIT_BYTES + 1} bytes; AWS accepts at most 16384 bytes of raw user data`]);
        expect(violations("user-data-size", INSTANCE, { userDataBase64: Buffer.alloc(17_500).toString("base64") })).toHaveLength(1);
    });

    it("no-wildcard-iam-actions: the host's AMP policy passes; aps:*, *, a prefix wildcard or NotAction in an Allow fails; a broad Deny passes", () => {
        const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
        const arn = "arn:aws:aps:eu-west-2:123456789012:workspace/ws-1";
        expect(violations("no-wildcard-iam-actions", ROLE_POLICY, { policy: hostLongTermStorePolicy(arn) })).toEqual([]);
        const allow = (Action: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "S", Effect: "Allow", Action, Resource: arn, ...extra }] });
        expect(violations("no-wildcard-iam-actions", ROLE_POLICY, { policy: allow(["aps:RemoteWrite", "aps:*"]) })).toEqual(['Statement[0] (S) allows the wildcard action "aps:*"; name the actions (e.g. aps:RemoteWrite)']);
        expect(violations("no-wildcard-iam-actions", "aws:iam/policy:Policy", { policy: allow("*") })).toHaveLength(1);
        expect(violations("no-wildcard-iam-actions", ROLE_POLICY, { policy: allow("aps:Query*") })).toHaveLength(1);
        expect(violations("no-wildcard-iam-actions", ROLE_POLICY, { policy: JSON.stringify({ Statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" } }) })).toEqual([expect.stringContaining("NotAction")]);
        // An object, as a program may pass before serialization.
        expect(violations("no-wildcard-iam-actions", ROLE_POLICY, { policy: { Statement: [{ Effect: "Allow", Action: "aps:*", Resource: "*" }] } })).toHaveLength(1);
        expect(violations("no-wildcard-iam-actions", "aws:s3/bucketPolicy:BucketPolicy", { policy: tlsOnlyBucketPolicy("arn:aws:s3:::b") })).toEqual([]);
        // Not an IAM policy resource, or a policy not known yet (a preview): nothing to check.
        expect(violations("no-wildcard-iam-actions", "aws:ec2/instance:Instance", { policy: allow("*") })).toEqual([]);
        expect(violations("no-wildcard-iam-actions", ROLE_POLICY, {})).toEqual([]);
    });
});
