import * as path from "path";
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

const PULUMI_SDK = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
const CHEAP = Symbol.for("iiotmon:cheapSdkStacks");

/** V8's own rendering of a stack, which it uses when no `Error.prepareStackTrace` is installed. */
function plainStack(error: Error, frames: NodeJS.CallSite[]): string {
    const head = error.message ? `${error.name}: ${error.message}` : error.name;
    return [head, ...frames.map((f) => `    at ${f}`)].join("\n");
}

/**
 * The SDK captures a stack for every promise it makes and every resource it registers
 * (`debuggablePromise` in runtime/debuggable.js and `Resource.callsites` in resource.js of
 * @pulumi/pulumi, both `new Error().stack`). Under jest and ts-node every `.stack` goes through
 * source-map-support, which maps each frame: about two thirds of a program run under mocks (measured:
 * 720 ms of a 4-device run, 3.3 s of 1,000 devices' 4.7 s). Stacks captured inside the SDK are rendered
 * the plain way; every other stack (a failing test, a user error) is still mapped.
 */
function renderSdkStacksPlainly(): void {
    // Under jest the test runs in a vm context whose stacks jest maps from its own realm's
    // `Error.prepareStackTrace`; a function the runner passed in (setTimeout) reaches that realm.
    const runnerError = (setTimeout as unknown as { constructor: FunctionConstructor }).constructor("return Error")() as ErrorConstructor;
    const mapped = Error.prepareStackTrace ?? runnerError.prepareStackTrace;
    if (!mapped || (mapped as unknown as Record<symbol, boolean>)[CHEAP]) return;
    const choose = (error: Error, frames: NodeJS.CallSite[]): unknown =>
        frames[0]?.getFileName()?.includes(PULUMI_SDK) ? plainStack(error, frames) : mapped(error, frames);
    Object.defineProperty(choose, CHEAP, { value: true });
    Error.prepareStackTrace = choose;
}

/**
 * Installs Pulumi mocks that record every resource the program registers, as a preview would see it.
 * Invokes are answered by simulatedAwsCall.
 */
export async function recordProgram(project: string, stack: string, compute: ComputeOutputs): Promise<RecordedResource[]> {
    renderSdkStacksPlainly();
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
