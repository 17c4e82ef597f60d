import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "../infra/render/awsPolicies";

/** Arguments of a BackupBucket. */
export interface BackupBucketArgs {
    /** A throw-away stack: the bucket is emptied and deleted with the stack. Production keeps it. */
    readonly testStack: boolean;
    /** Days a backup is kept. */
    readonly retentionDays: number;
    /** Days before a backup moves to a cheaper storage class. Defaults to 30. */
    readonly transitionDays?: number;
    readonly tags?: Record<string, string>;
}

/** The S3 bucket the monitoring host backs up into: versioned, encrypted, private, TLS only, with lifecycle. */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;

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
        const transition = Math.min(args.transitionDays ?? 30, Math.max(1, args.retentionDays - 1));
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: "backups",
                        status: "Enabled",
                        filter: { prefix: "" },
                        // STANDARD_IA needs 30 days in STANDARD; shorter retentions skip the transition.
                        transitions: args.retentionDays > 30 && transition >= 30 ? [{ days: transition, storageClass: "STANDARD_IA" }] : [],
                        expiration: { days: args.retentionDays },
                        noncurrentVersionExpiration: { noncurrentDays: 7 },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 2 },
                    },
                ],
            },
            child,
        );
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
