import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of a LongTermStore. */
export interface LongTermStoreArgs {
    /** A throw-away stack: the workspace (and its history) is deleted with the stack. Production keeps it. */
    readonly testStack: boolean;
    /** AWS tags on the workspace. Defaults to none. */
    readonly tags?: Record<string, string>;
}

/** The names of a LongTermStore's children, from the component's name. */
export function longTermStoreNames(name: string) {
    return { component: name, workspace: name } as const;
}

/**
 * The fleet's long-term history (longTermStore: amp): an Amazon Managed Service for Prometheus workspace.
 * The monitoring host's Prometheus remote-writes every sample to it and Grafana reads it, both with the
 * instance profile's credentials (MonitoringHost's long-term store policy). Like the data volume, it holds
 * data: protected and retained on delete unless the stack is a test stack.
 */
export class LongTermStore extends pulumi.ComponentResource {
    /** The workspace's ARN, for the host's IAM policy. */
    public readonly arn: pulumi.Output<string>;
    /** `https://aps-workspaces.REGION.amazonaws.com/workspaces/ws-ID/`: remote write and queries go below it. */
    public readonly prometheusEndpoint: pulumi.Output<string>;
    /** The workspace's region: what SigV4 signs for. */
    public readonly region: pulumi.Output<string>;

    constructor(name: string, args: LongTermStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:LongTermStore", name, {}, opts);
        const names = longTermStoreNames(name);
        const keep = { protect: !args.testStack, retainOnDelete: !args.testStack };
        const workspace = new aws.amp.Workspace(names.workspace, { alias: `iiotmon-${pulumi.getStack()}`, tags: { ...args.tags, "iiotmon:component": name } }, { parent: this, ...keep });
        this.arn = workspace.arn;
        this.prometheusEndpoint = workspace.prometheusEndpoint;
        this.region = workspace.region;
        this.registerOutputs({ arn: this.arn, prometheusEndpoint: this.prometheusEndpoint, region: this.region });
    }
}
