import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { backupLifecycleRules, tlsOnlyBucketPolicy } from "../infra/host";

/** Arguments of a BackupBucket. */
export interface BackupBucketArgs {
    /** A throw-away stack: the bucket is emptied and deleted with the stack. Production keeps it. */
    readonly testStack: boolean;
    /** Days a backup is kept (restic's retention; the lifecycle only expires the old tar.gz backups). */
    readonly retentionDays: number;
    /** Days before repository data moves to a cheaper storage class. Defaults to 30. */
    readonly transitionDays?: number;
    readonly tags?: Record<string, string>;
}

/**
 * The S3 bucket the monitoring host backs up into (a restic repository under restic/): versioned,
 * encrypted, private, TLS only, with a lifecycle that never expires what restic still refers to.
 */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    /** The password of the restic repository in the bucket (secret). */
    public readonly repositoryPassword: pulumi.Output<string>;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:BackupBucket", name, {}, opts);
        const keep = { protect: !args.testStack, retainOnDelete: !args.testStack };
        const bucket = new aws.s3.Bucket(`${name}`, { forceDestroy: args.testStack, tags: args.tags }, { parent: this, ...keep });
        const child = { parent: this };
        new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
            child,
        );
        const publicBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        new aws.s3.BucketPolicy(`${name}-tls-only`, { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyBucketPolicy) }, { ...child, dependsOn: [publicBlock] });
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules: backupLifecycleRules(args.retentionDays, args.transitionDays) }, child);
        // restic encrypts the repository with this; without it no backup can be read. Kept like the bucket.
        const password = new random.RandomPassword(`${name}-repository-password`, { length: 48, special: false }, { parent: this, ...keep });
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.repositoryPassword = pulumi.secret(password.result);
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
