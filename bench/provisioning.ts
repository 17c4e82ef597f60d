import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lab } from "../lab/lab";
import { LabDeviceRecord } from "../lab/labDevice";
import { labFleetYaml } from "../lab/labFleet";
import { MirrorServer } from "../lab/mirrorServer";

export interface ProvisioningRow {
    devices: number;
    coldSeconds: number;
    rerunSeconds: number;
    bytesPerDeviceCold: number;
    bytesPerDeviceRerun: number;
    failed: number;
}

/**
 * Installs node_exporter on N lab devices in parallel with the replayed device commands (cold), then
 * runs the same commands again (the idempotent re-run an update performs): wall time and bytes each
 * device downloaded from the mirror.
 */
export async function benchProvisioning(sizes: readonly number[], log: (s: string) => void): Promise<ProvisioningRow[]> {
    const rows: ProvisioningRow[] = [];
    const mirror = new MirrorServer();
    const lab = new Lab(fs.mkdtempSync(path.join(os.tmpdir(), "bench-lab-")));
    lab.prepare(log);
    await mirror.start();
    try {
        for (const n of sizes) {
            const devices: LabDeviceRecord[] = [];
            for (let i = 1; i <= n; i++) devices.push(await lab.start(`bench-${n}-${i}`, i));
            const file = path.join(lab.stateDir, `fleet-${n}.yaml`);
            fs.writeFileSync(file, labFleetYaml(devices.map((record) => ({ record }))));
            const bytes = () => devices.reduce((sum, d) => sum + mirror.bytesSentTo(d.ip), 0);
            fs.writeFileSync(lab.appliedFile, "{}");
            let t = Date.now();
            const b0 = bytes();
            const cold = await lab.apply(file);
            const coldSeconds = (Date.now() - t) / 1000;
            const b1 = bytes();
            fs.writeFileSync(lab.appliedFile, "{}");
            t = Date.now();
            const rerun = await lab.apply(file);
            const rerunSeconds = (Date.now() - t) / 1000;
            const failed = [...cold.outcomes, ...rerun.outcomes].filter((o) => !o.ok).length;
            rows.push({ devices: n, coldSeconds, rerunSeconds, bytesPerDeviceCold: (b1 - b0) / n, bytesPerDeviceRerun: (bytes() - b1) / n, failed });
            log(`provisioning: ${n} device(s): cold ${coldSeconds.toFixed(1)} s, re-run ${rerunSeconds.toFixed(1)} s`);
            for (const d of devices) mirror.bytesByClient.delete(d.ip);
            for (const d of devices) await lab.stop(d);
        }
    } finally {
        await lab.stopAll();
        await mirror.stop();
        fs.rmSync(lab.stateDir, { recursive: true, force: true });
    }
    return rows;
}
