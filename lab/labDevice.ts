import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { withoutComment } from "../infra/common/hostKey";
import { isAlive, run, sleep, tryRun } from "./exec";
import { createDeviceNetwork, ensureBridge, netnsName, removeDeviceNetwork } from "./network";
import { BASE_ROOTFS, DEVICES_DIR, SSH_KEY, SUBNET_PREFIX } from "./paths";
import { ensureRootfs } from "./rootfs";
import { snapshotUpper } from "./upperSnapshot";

/** What is needed to find, use and stop a running lab device (also saved for `npm run lab -- down`). */
export interface LabDeviceRecord {
    readonly name: string;
    readonly index: number;
    readonly ip: string;
    readonly pid: number;
    /** `ssh-ed25519 AAAA...`, the device's own host key. */
    readonly hostKey: string;
    readonly dir: string;
    readonly systemd: boolean;
}

export interface LabDeviceOptions {
    /** Boot systemd (a normal device) or run only sshd (a device without systemd). Defaults to true. */
    readonly systemd?: boolean;
    /** Extra sshd configuration, e.g. to allow a user only through a bastion. */
    readonly sshdConfig?: string;
    /**
     * Changes the device's files before it boots (another SSH server, a node_exporter already there:
     * see deviceKinds.ts). Returns the device's host key when the SSH server is not OpenSSH.
     */
    readonly prepare?: (root: string) => string | void;
}

function merged(dir: string): string {
    return path.join(dir, "merged");
}

/** The upper layer of the overlay holds exactly what changed on the device since it was created. */
export function upperDir(record: LabDeviceRecord): string {
    return path.join(record.dir, "upper");
}

/** What changed on the device since it was created, file by file (see snapshotUpper). */
export function deviceChanges(record: LabDeviceRecord): Map<string, string> {
    return snapshotUpper(upperDir(record), BASE_ROOTFS);
}

/** Waits until sshd greets on port 22, or fails naming the device. */
async function waitForSsh(name: string, ip: string, seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect({ host: ip, port: 22, timeout: 1000 }, () => undefined);
            s.once("data", (d) => {
                s.destroy();
                resolve(d.toString().startsWith("SSH-"));
            });
            s.once("error", () => resolve(false));
            s.once("timeout", () => {
                s.destroy();
                resolve(false);
            });
        });
        if (ok) return;
        await sleep(250);
    }
    throw new Error(`lab device ${name} (${ip}): sshd did not answer within ${seconds} s`);
}

/** Boots the device's files in its namespace with systemd-nspawn; returns nspawn's PID. */
function boot(name: string, dir: string, netnsPath: string, systemd: boolean, logMode: "w" | "a"): number {
    const root = merged(dir);
    const args = ["-D", root, "--register=no", "--keep-unit", `--machine=${name}`, `--network-namespace-path=${netnsPath}`, "--console=read-only", "--quiet"];
    const cmd = systemd ? [...args, "-b"] : [...args, "/bin/sh", "-c", "mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e"];
    const log = fs.openSync(path.join(dir, "console.log"), logMode);
    const child = spawn("systemd-nspawn", cmd, { detached: true, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    child.unref();
    return child.pid!;
}

async function shutDown(record: LabDeviceRecord): Promise<void> {
    if (isAlive(record.pid)) {
        process.kill(record.pid, "SIGTERM");
        const deadline = Date.now() + 15000;
        while (isAlive(record.pid) && Date.now() < deadline) await sleep(100);
        if (isAlive(record.pid)) process.kill(record.pid, "SIGKILL");
        while (isAlive(record.pid)) await sleep(50);
    }
}

/**
 * Reboots a device: systemd shuts down, the same disk (overlay) and address boot again. Returns the
 * device's record with its new nspawn PID.
 */
export async function rebootDevice(record: LabDeviceRecord): Promise<LabDeviceRecord> {
    await shutDown(record);
    const next = { ...record, pid: boot(record.name, record.dir, `/run/netns/${netnsName(record.name)}`, record.systemd, "a") };
    await waitForSsh(record.name, record.ip, 30);
    return next;
}

/** Starts one simulated device: an overlay on the cached image, its own netns, host key and hostname. */
export async function startDevice(name: string, index: number, opts: LabDeviceOptions = {}): Promise<LabDeviceRecord> {
    ensureRootfs();
    ensureBridge();
    const dir = path.join(DEVICES_DIR, name);
    const ip = `${SUBNET_PREFIX}${10 + index}`;
    fs.rmSync(dir, { recursive: true, force: true });
    for (const d of ["upper", "work", "merged"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${BASE_ROOTFS},upperdir=${dir}/upper,workdir=${dir}/work`, merged(dir)]);
    // From here on a failure (a missing program in prepare, a device that never answers) takes the
    // mount, the network and the process down with it: a failed start leaves nothing behind.
    let record: LabDeviceRecord = { name, index, ip, pid: 0, hostKey: "", dir, systemd: opts.systemd ?? true };
    try {
        const root = merged(dir);
        fs.writeFileSync(path.join(root, "etc/hostname"), `${name}\n`);
        // Without /etc/hosts, sudo waits ~11 s on DNS for the device's own name.
        fs.writeFileSync(path.join(root, "etc/hosts"), `127.0.0.1 localhost\n127.0.1.1 ${name}\n`);
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path.join(root, "etc/ssh/ssh_host_ed25519_key")]);
        if (opts.sshdConfig) fs.writeFileSync(path.join(root, "etc/ssh/sshd_config.d/device.conf"), opts.sshdConfig);
        const hostKey = withoutComment(opts.prepare?.(root) || fs.readFileSync(path.join(root, "etc/ssh/ssh_host_ed25519_key.pub"), "utf8"));
        const netnsPath = createDeviceNetwork(name, index, ip);
        record = { ...record, hostKey, pid: boot(name, dir, netnsPath, record.systemd, "w") };
        await waitForSsh(name, ip, 30);
        return record;
    } catch (e) {
        const log = path.join(dir, "console.log");
        const consoleTail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").slice(-8).join("\n") : "";
        await stopDevice(record);
        throw new Error(`lab device ${name} did not start: ${(e as Error).message}${consoleTail ? `; its console said:\n${consoleTail}` : ""}`);
    }
}


/** Stops the device cleanly (SIGTERM to nspawn shuts systemd down), then removes its mount and network. */
export async function stopDevice(record: LabDeviceRecord, keepFiles = false): Promise<void> {
    await shutDown(record);
    const root = merged(record.dir);
    for (let i = 0; i < 20 && tryRun("mountpoint", ["-q", root]); i++) {
        if (!tryRun("umount", [root])) await sleep(200);
    }
    removeDeviceNetwork(record.name, record.index);
    if (!keepFiles) fs.rmSync(record.dir, { recursive: true, force: true });
}

/** Runs a command on a device as root over SSH with the lab key, for inspection (host key pinned). */
export function execOnDevice(record: LabDeviceRecord, command: string): string {
    const knownHosts = path.join(record.dir, "known_hosts");
    fs.writeFileSync(knownHosts, `${record.ip} ${record.hostKey}\n`);
    return run("ssh", [
        "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`,
        "-o", "LogLevel=ERROR", "-i", SSH_KEY, `root@${record.ip}`, command,
    ]);
}
