import * as fs from "fs";
import * as path from "path";
import { STACK_RESOURCES } from "../infra/program/stack";
import { captureDeviceOperations, readJson } from "./capture";
import { LabDeviceOptions, LabDeviceRecord, rebootDevice, startDevice, stopDevice } from "./labDevice";
import { LAB_KEY_SECRET } from "./labFleet";
import { CHECKSUMS_FILE, DEBIAN_PROMETHEUS, ensureMirror, ensurePrometheusRelease, LAB_PROMETHEUS_VERSION, PROMETHEUS_CHECKSUMS_FILE } from "./mirror";
import { ensureBridge, removeBridge } from "./network";
import { BRIDGE_IP, MIRROR_DIR, MIRROR_PORT, SSH_KEY, STATE_DIR, SUBNET_PREFIX } from "./paths";
import { replay, ReplayOptions, ReplayOutcome, ReplayState } from "./replay";
import { ensureLabKey, ensureRootfs } from "./rootfs";

/**
 * Each device's systemd takes several inotify instances; the kernel's default of 128 per user stops
 * the 20th device from booting ("Too many open files"). Raised, never lowered.
 */
export function raiseInotifyLimit(atLeast: number): void {
    const file = "/proc/sys/fs/inotify/max_user_instances";
    if (Number(fs.readFileSync(file, "utf8")) < atLeast) fs.writeFileSync(file, String(atLeast));
}

/**
 * Settings of the lab stack: the lab mirror's checksums and tarballs (node_exporter, and the lab's
 * Prometheus release for site collectors, downloaded from the mirror as from the official archive), the
 * lab's network as where collectors connect from, and a short dial budget.
 */
export function labSettings(extra: Record<string, string> = {}): Record<string, string> {
    return {
        nodeExporterChecksumsFiles: JSON.stringify([CHECKSUMS_FILE]),
        nodeExporterTarballDir: MIRROR_DIR,
        collectorVersion: LAB_PROMETHEUS_VERSION,
        collectorDownloadBaseUrl: `http://${BRIDGE_IP}:${MIRROR_PORT}`,
        collectorChecksumsFiles: JSON.stringify([PROMETHEUS_CHECKSUMS_FILE]),
        collectorSourceCidrs: JSON.stringify([`${SUBNET_PREFIX}0/24`]),
        dialTimeoutSeconds: "20",
        testStack: "true",
        amiId: "ami-0123456789abcdef0",
        ...extra,
    };
}

export interface ApplyResult {
    readonly outcomes: ReplayOutcome[];
    readonly state: ReplayState;
    /** Resources whose steps never started: the engine stopped scheduling after a failure. */
    readonly notStarted: string[];
}

/**
 * The lab as one object: devices, the mirror's files, and the state of the last apply. Tests and
 * `npm run lab` use it alike; `stateDir` keeps parallel users apart.
 */
export class Lab {
    readonly devices: LabDeviceRecord[] = [];

    constructor(readonly stateDir = STATE_DIR) {}

    /** Image, key and mirror files (built once and cached), and the bridge the mirror listens on. */
    prepare(log: (s: string) => void = () => {}): void {
        ensureRootfs(log);
        ensureLabKey();
        ensureMirror();
        ensureBridge();
        raiseInotifyLimit(1024);
        fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    }

    async start(name: string, index: number, opts?: LabDeviceOptions): Promise<LabDeviceRecord> {
        const record = await startDevice(name, index, opts);
        this.devices.push(record);
        return record;
    }

    async stop(record: LabDeviceRecord): Promise<void> {
        await stopDevice(record);
        this.devices.splice(this.devices.indexOf(record), 1);
    }

    /** Reboots a device (same disk and address); its record in `devices` gets the new PID. */
    async reboot(record: LabDeviceRecord): Promise<LabDeviceRecord> {
        const next = await rebootDevice(record);
        this.devices[this.devices.indexOf(record)] = next;
        return next;
    }

    async stopAll(): Promise<void> {
        for (const d of [...this.devices]) await this.stop(d);
        removeBridge();
    }

    get appliedFile(): string {
        return path.join(this.stateDir, "applied.json");
    }

    /** Does on the lab what `pulumi up` would do to the devices for this fleet file. */
    async apply(fleetFile: string, opts: ReplayOptions & { settings?: Record<string, string> } = {}): Promise<ApplyResult> {
        // Site collectors run the lab's Prometheus release, built from Debian's prometheus. Without that
        // package nothing pins a release: a collector's install refuses (no pinned checksum), the rest applies.
        const release = fs.existsSync(DEBIAN_PROMETHEUS) ? ensurePrometheusRelease() : undefined;
        const ops = await captureDeviceOperations({
            fleetFile,
            settings: labSettings({ ...(release ? {} : { collectorChecksumsFiles: "[]" }), ...opts.settings }),
            secrets: { [LAB_KEY_SECRET]: fs.readFileSync(SSH_KEY, "utf8") },
            outputStoreFile: path.join(this.stateDir, "outputs.json"),
        });
        const previous = readJson<ReplayState>(this.appliedFile, {});
        const { state, outcomes, notStarted } = await replay(previous, ops, opts);
        fs.writeFileSync(this.appliedFile, JSON.stringify(state), { mode: 0o600 });
        return { outcomes, state, notStarted };
    }
}

/** The scrape CA and password the lab stack generated, to scrape lab devices as Prometheus does. */
export function scrapeSecrets(stateDir: string): { caCertPem: string; password: string } {
    const store = readJson<Record<string, { outputs: Record<string, string> }>>(path.join(stateDir, "outputs.json"), {});
    const ca = store[`tls:index/selfSignedCert:SelfSignedCert::${STACK_RESOURCES.scrapeAuthority.ca}`];
    const pw = store[`random:index/randomPassword:RandomPassword::${STACK_RESOURCES.scrapeAuthority.password}`];
    if (!ca || !pw) throw new Error(`no lab stack outputs in ${stateDir}; apply a fleet first`);
    return { caCertPem: ca.outputs.certPem, password: pw.outputs.result };
}
