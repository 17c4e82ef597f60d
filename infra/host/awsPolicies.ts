/** IAM and bucket policies as plain JSON, so their least-privilege shape is tested without AWS. */

/**
 * The monitoring host may write, read, list and delete backups in its bucket, and nothing else in S3.
 * restic deletes its lock files after every command and, in prune, pack files no kept snapshot uses;
 * versioning keeps deleted objects for 7 days (see backupLifecycleRules).
 */
export function hostBackupPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBackups", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn] },
            { Sid: "ReadWriteBackups", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: [`${bucketArn}/*`] },
        ],
    });
}

export function ec2AssumeRolePolicy(): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
}

/** Refuses any request to the bucket that does not use TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}

/**
 * What the monitoring host may do in its AMP workspace, and nowhere else: Prometheus writes
 * (`aps:RemoteWrite`), Grafana reads. Grafana's SigV4 data source needs the four query actions that AWS
 * names for it ("aps:QueryMetrics, aps:GetMetricMetadata, aps:GetSeries, and aps:GetLabels", AMP user
 * guide, "Set up Grafana open source"); both run on the host with the instance profile's credentials.
 * No `aps:*`: the policy pack refuses a wildcard (infra/policy/rules.ts, noWildcardActions).
 */
export const AMP_WRITE_ACTIONS = ["aps:RemoteWrite"] as const;
export const AMP_QUERY_ACTIONS = ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"] as const;

export function hostLongTermStorePolicy(workspaceArn: string): string {
    if (!/^arn:aws[a-z-]*:aps:[a-z0-9-]+:\d{12}:workspace\/ws-[0-9a-zA-Z-]+$/.test(workspaceArn)) throw new Error(`not an AMP workspace ARN: ${JSON.stringify(workspaceArn)}`);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "WriteLongTermStore", Effect: "Allow", Action: [...AMP_WRITE_ACTIONS], Resource: [workspaceArn] },
            { Sid: "QueryLongTermStore", Effect: "Allow", Action: [...AMP_QUERY_ACTIONS], Resource: [workspaceArn] },
        ],
    });
}
