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
    /** AWS tags on the bucket. Defaults to none. */
    readonly tags?: Record<string, string>;
}

/** The names of a BackupBucket's children, from the component's name. */
export function backupBucketNames(name: string) {
    return {
        component: name,
        bucket: name,
        versioning: `${name}-versioning`,
        encryption: `${name}-encryption`,
        publicAccess: `${name}-public-access`,
        tlsOnly: `${name}-tls-only`,
        lifecycle: `${name}-lifecycle`,
        repositoryPassword: `${name}-repository-password`,
    } as const;
}

/**
 * The S3 bucket the monitoring host backs up into (a restic repository under restic/): versioned,
 * encrypted, private, TLS only, with a lifecycle that never expires what restic still refers to.
 */
export class BackupBucket extends pulumi.ComponentResource {
    /** The bucket's name, as AWS generated it. */
    public readonly bucketName: pulumi.Output<string>;
    /** The bucket's ARN, for the host's IAM policy. */
    public readonly bucketArn: pulumi.Output<string>;
    /** The password of the restic repository in the bucket (secret). */
    public readonly repositoryPassword: pulumi.Output<string>;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:BackupBucket", name, {}, opts);
        const keep = { protect: !args.testStack, retainOnDelete: !args.testStack };
        const names = backupBucketNames(name);
        const bucket = new aws.s3.Bucket(names.bucket, { forceDestroy: args.testStack, tags: args.tags }, { parent: this, ...keep });
        const child = { parent: this };
        new aws.s3.BucketVersioning(names.versioning, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            names.encryption,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
            child,
        );
        const publicBlock = new aws.s3.BucketPublicAccessBlock(
            names.publicAccess,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        new aws.s3.BucketPolicy(names.tlsOnly, { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyBucketPolicy) }, { ...child, dependsOn: [publicBlock] });
        new aws.s3.BucketLifecycleConfiguration(names.lifecycle, { bucket: bucket.id, rules: backupLifecycleRules(args.retentionDays, args.transitionDays) }, child);
        // restic encrypts the repository with this; without it no backup can be read. Kept like the bucket.
        const password = new random.RandomPassword(names.repositoryPassword, { length: 48, special: false }, { parent: this, ...keep });
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.repositoryPassword = pulumi.secret(password.result);
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, repositoryPassword: this.repositoryPassword });
    }
}
