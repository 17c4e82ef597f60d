/** Where the host's restic repository lives in the backup bucket. */
export const RESTIC_PREFIX = "restic/";
/** Where the tar.gz backups of earlier versions were written (dated prefixes with a manifest). */
export const LEGACY_BACKUP_PREFIX = "backups/";

/** One rule of an S3 bucket lifecycle, in the shape of aws.s3.BucketLifecycleConfiguration's rules. */
export interface LifecycleRule {
    readonly id: string;
    readonly status: "Enabled";
    readonly filter: { readonly prefix: string };
    readonly transitions?: { readonly days: number; readonly storageClass: string }[];
    readonly expiration?: { readonly days?: number; readonly expiredObjectDeleteMarker?: boolean };
    readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number };
    readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

/**
 * The backup bucket's lifecycle. restic decides what is deleted (forget --keep-within, then prune
 * removes only pack files no kept snapshot refers to), so nothing current under restic/ ever expires
 * by age: a pack file written on day one holds blocks that every later snapshot still needs. What the
 * lifecycle does: it removes the versions restic deleted after 7 days (versioning keeps them that
 * long against a mistaken or hostile delete), clears their delete markers, aborts unfinished uploads,
 * moves pack files (restic/data/) to STANDARD_IA after `transitionDays` (they are read only by
 * prune and restore; STANDARD_IA needs 30 days in STANDARD first), and expires the tar.gz backups
 * of earlier versions after the retention.
 */
export function backupLifecycleRules(retentionDays: number, transitionDays = 30): LifecycleRule[] {
    const deleted = { noncurrentVersionExpiration: { noncurrentDays: 7 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 2 } };
    return [
        { id: "restic-deleted", status: "Enabled", filter: { prefix: RESTIC_PREFIX }, expiration: { expiredObjectDeleteMarker: true }, ...deleted },
        ...(transitionDays >= 30 ? [{ id: "restic-data-infrequent", status: "Enabled" as const, filter: { prefix: `${RESTIC_PREFIX}data/` }, transitions: [{ days: transitionDays, storageClass: "STANDARD_IA" }] }] : []),
        { id: "legacy-tar-backups", status: "Enabled", filter: { prefix: LEGACY_BACKUP_PREFIX }, expiration: { days: retentionDays }, ...deleted },
    ];
}
