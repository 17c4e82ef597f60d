import * as pulumi from "@pulumi/pulumi";

/** The marker Pulumi wraps secret values in when they cross the mock boundary. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** One registered resource, with its inputs unwrapped and the paths of the inputs that were secret. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    /** Dotted paths of inputs that arrived as secrets. */
    readonly secretPaths: readonly string[];
}

/** Outputs a resource type computes that are not among its inputs (keys, certificates, passwords). */
export type ComputeOutputs = (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;

function unwrap(value: unknown, at: string, secrets: string[]): unknown {
    if (value instanceof pulumi.asset.Asset || value instanceof pulumi.asset.Archive) return value;
    if (Array.isArray(value)) return value.map((v, i) => unwrap(v, `${at}[${i}]`, secrets));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            secrets.push(at);
            return unwrap(obj.value, at, secrets);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrap(v, at ? `${at}.${k}` : k, secrets)]));
    }
    return value;
}

/** EBS volumes that exist in the simulated account (none by default: a stack's first `up`). Tests set it. */
export const simulatedEbsVolumes: { id: string; sizeGiB: number; tags: Record<string, string> }[] = [];

/**
 * The AWS look-ups the program makes, answered as a default VPC in eu-west-2 would answer them. Any
 * other invoke throws, so a new look-up cannot slip through unmocked.
 */
export function simulatedAwsCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (token) {
        case "aws:ec2/getVpc:getVpc":
            return { id: "vpc-0default", cidrBlock: "172.31.0.0/16", default: true };
        case "aws:ec2/getSubnets:getSubnets":
            return { ids: ["subnet-0bbbb", "subnet-0aaaa"], filters: inputs.filters };
        case "aws:ec2/getSubnet:getSubnet":
            return { id: inputs.id, vpcId: "vpc-0default", availabilityZone: inputs.id === "subnet-0aaaa" ? "eu-west-2a" : "eu-west-2b" };
        case "aws:ebs/getEbsVolumes:getEbsVolumes": {
            // Like the provider's data source: every tag given must match; no match is an empty list, not an error.
            const wanted = Object.entries((inputs.tags ?? {}) as Record<string, string>);
            const ids = simulatedEbsVolumes.filter((v) => wanted.every(([k, val]) => v.tags[k] === val)).map((v) => v.id);
            return { id: "eu-west-2", ids, tags: inputs.tags };
        }
        case "aws:ebs/getVolume:getVolume": {
            const id = ((inputs.filters ?? []) as { name: string; values: string[] }[]).find((f) => f.name === "volume-id")?.values[0];
            const v = simulatedEbsVolumes.find((x) => x.id === id);
            if (!v) throw new Error(`simulated AWS: your query returned no results (volume ${id})`);
            return { id: v.id, volumeId: v.id, size: v.sizeGiB, encrypted: true, volumeType: "gp3", tags: v.tags };
        }
        case "aws:ssm/getParameter:getParameter":
            return { name: inputs.name, value: "ami-0123456789abcdef0", type: "String" };
        default:
            throw new Error(`unmocked call ${token}`);
    }
}

/**
 * Installs Pulumi mocks that record every resource the program registers, as a preview would see it.
 * Invokes are answered by simulatedAwsCall.
 */
export async function recordProgram(project: string, stack: string, compute: ComputeOutputs): Promise<RecordedResource[]> {
    const resources: RecordedResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const secretPaths: string[] = [];
                const inputs = unwrap(args.inputs, "", secretPaths) as Record<string, unknown>;
                resources.push({ type: args.type, name: args.name, inputs, secretPaths });
                return { id: `${args.name}-id`, state: { ...args.inputs, ...compute(args.type, args.name, inputs) } };
            },
            call(args) {
                return simulatedAwsCall(args.token, args.inputs as Record<string, unknown>);
            },
        },
        project,
        stack,
        false,
    );
    return resources;
}

/** Resolves once every output has a value: then every resource that depends on them is registered. */
export function settled(outputs: pulumi.Output<unknown>[]): Promise<void> {
    return Promise.all(outputs.map((o) => new Promise((resolve) => o.apply(resolve)))).then(() => undefined);
}

/**
 * Resolves once every resource registration the program started has been answered, as the runtime itself
 * waits before it ends a program (it chains each RPC onto one promise; `waitForRPCs` in
 * @pulumi/pulumi runtime/settings.js waits until that chain stops growing). Tests wait on this, not on a
 * fixed sleep.
 */
export function allRegistered(): Promise<void> {
    // Exported by the runtime's settings module, marked internal: no public entry point waits for RPCs.
    const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    return runtimeSettings.waitForRPCs();
}
