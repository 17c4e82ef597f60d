import { encodePayload, provisionerScript } from "../common";
import { HOST_DATA_ROOT, hostDirList } from "./hostLayout";

/** Where the host's own scripts live. */
export const HOST_SCRIPTS_DIR = "/usr/local/lib/iiotmon";

/**
 * The scripts in provisioners/ that live on the host, installed into HOST_SCRIPTS_DIR by the host
 * configuration step (in place: editing one never replaces the instance). Add a file name here to ship it.
 */
export const HOST_SCRIPTS: readonly string[] = ["host-mount-data.sh", "host-grow-data.sh", "host-backup.sh", "host-restore.sh"];

/** The backup job's settings, sourced by the backup and restore scripts (BUCKET, REGION, BACKUP_RETENTION_DAYS). */
export const BACKUP_ENV_FILE = "/etc/iiotmon/backup.env";

/** The backup job: bucket, region, when it runs (systemd OnCalendar), and how many days restic keeps snapshots. */
export interface BackupJob {
    readonly bucket: string;
    readonly region: string;
    readonly schedule: string;
    readonly retentionDays: number;
}

/** The backup job's systemd service and timer. */
export function backupUnits(schedule: string): { service: string; timer: string } {
    return {
        service: [
            "[Unit]",
            "Description=iiot-monitoring backup to S3",
            "After=docker.service",
            "Requires=docker.service",
            "",
            "[Service]",
            "Type=oneshot",
            `ExecStart=${HOST_SCRIPTS_DIR}/host-backup.sh`,
            "Nice=10",
            "IOSchedulingClass=idle",
            "",
        ].join("\n"),
        timer: ["[Unit]", "Description=iiot-monitoring backup schedule", "", "[Timer]", `OnCalendar=${schedule}`, "Persistent=true", "RandomizedDelaySec=10m", "", "[Install]", "WantedBy=timers.target", ""].join("\n"),
    };
}

/** A file outside the data volume: an absolute path on the host, with its mode (owned by root). */
export interface SystemFile {
    readonly path: string;
    readonly mode: string;
    readonly text: string;
}

/**
 * Everything the host needs outside the data volume besides the bootstrap: the host scripts, the backup
 * settings and units, and a drop-in that keeps Docker from starting its containers before the data
 * volume is mounted (after a reboot, the fstab entry mounts it; without it, containers would write
 * into empty directories on the root disk).
 */
export function hostSystemFiles(backup: BackupJob, scripts: readonly string[] = HOST_SCRIPTS): SystemFile[] {
    const units = backupUnits(backup.schedule);
    return [
        ...scripts.map((f) => ({ path: `${HOST_SCRIPTS_DIR}/${f}`, mode: "0755", text: provisionerScript(f) })),
        { path: BACKUP_ENV_FILE, mode: "0644", text: `BUCKET=${backup.bucket}\nREGION=${backup.region}\nBACKUP_RETENTION_DAYS=${backup.retentionDays}\n` },
        { path: "/etc/systemd/system/iiotmon-backup.service", mode: "0644", text: units.service },
        { path: "/etc/systemd/system/iiotmon-backup.timer", mode: "0644", text: units.timer },
        { path: "/etc/systemd/system/docker.service.d/iiotmon-data.conf", mode: "0644", text: `[Unit]\nRequiresMountsFor=${HOST_DATA_ROOT}\n` },
    ];
}

/**
 * The payload of provisioners/host-setup.sh: the system files ("@@file PATH MODE"), then the data volume
 * to mount and grow ("@@volume ID") with the directories to prepare on it (the layout table's).
 */
export function hostSetupPayload(files: readonly SystemFile[], dataVolumeId: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(dataVolumeId)) throw new Error(`not a volume id: ${JSON.stringify(dataVolumeId)}`);
    return encodePayload([
        ...files.map((f) => ({ name: "file", args: [f.path, f.mode], text: f.text })),
        { name: "volume", args: [dataVolumeId], text: hostDirList() },
    ]);
}
