/** The size to ask AWS for, and why it differs from what was wanted, if it does. */
export interface VolumeSize {
    readonly sizeGiB: number;
    readonly note?: string;
}

/**
 * The data volume's size never goes down. AWS refuses to shrink an EBS volume ("You can't decrease
 * the size of an EBS volume", Amazon EBS User Guide, "Modify a volume using Amazon EBS Elastic
 * Volumes": requirements), so a smaller fleet, a shorter retention or a lower `dataVolumeSizeGiB`
 * keeps the size the volume has; only growth is asked for.
 * @param wantedGiB what the fleet (or the setting) asks for
 * @param currentGiB the sizes of the stack's data volume(s) as AWS reports them now; empty before the first `up`
 */
export function growOnlyVolumeSize(wantedGiB: number, currentGiB: readonly number[]): VolumeSize {
    const current = currentGiB.length ? Math.max(...currentGiB) : 0;
    if (current > wantedGiB) {
        return { sizeGiB: current, note: `the data volume stays at ${current} GiB (${wantedGiB} GiB asked for): EBS volumes can grow but never shrink` };
    }
    return { sizeGiB: wantedGiB };
}
