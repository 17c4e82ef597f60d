import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../harness";
import { cleanUp } from "../../lab/cleanUp";

/**
 * provisioners/host-grow-data.sh on a real block device: a loop device over a sparse file stands in for
 * the EBS volume, formatted and mounted as the host does; the file is made larger (as AWS grows the
 * volume), the kernel told the device's new size, and the script must grow the mounted file system to
 * it, online. Needs root (losetup, mount), as CI runs.
 */
jest.setTimeout(120_000);

const GROW = path.join(ROOT, "provisioners", "host-grow-data.sh");
// The host scripts this suite runs on this machine start, besides what it starts itself:
// starts: blkid findmnt mkfs.ext4 resize2fs xfs_growfs

/**
 * Online ext4 growth is the EXT4_IOC_RESIZE_FS ioctl, which the kernel allows only with CAP_SYS_RESOURCE
 * (fs/ext4/ioctl.c: ext4_resize_begin() "if (!capable(CAP_SYS_RESOURCE)) return -EPERM"). Root on the
 * EC2 host has it; a sandboxed CI container may not (bit 24 of CapEff), and there the script must fail
 * loudly and leave the file system as it was.
 */
const CAP_SYS_RESOURCE = 24;
const canResizeExt4 = (BigInt("0x" + /CapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))![1]) >> BigInt(CAP_SYS_RESOURCE)) & BigInt(1) ? true : false;
const MiB = 1024 * 1024;

function sh(cmd: string, args: string[]): string {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.error}`);
    return r.stdout.trim();
}

describe.each([
    // xfsprogs refuses file systems under 300 MB.
    ["ext4", ["mkfs.ext4", "-q", "-F"], 320, 640],
    ["xfs", ["mkfs.xfs", "-q", "-f"], 320, 640],
] as const)("growing a mounted %s data volume", (fstype, mkfs, fromMiB, toMiB) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `iiotmon-grow-${fstype}-`));
    const image = path.join(dir, "volume.img");
    const mnt = path.join(dir, "mnt");
    let loop = "";

    beforeAll(() => {
        fs.writeFileSync(image, "");
        fs.truncateSync(image, fromMiB * MiB);
        loop = sh("losetup", ["--find", "--show", image]);
        sh(mkfs[0], [...mkfs.slice(1), loop]);
        fs.mkdirSync(mnt);
        sh("mount", [loop, mnt]);
    });
    afterAll(() =>
        cleanUp(
            () => spawnSync("umount", [mnt]),
            () => loop && spawnSync("losetup", ["-d", loop]),
            () => fs.rmSync(dir, { recursive: true, force: true }),
        ));

    const grow = () => spawnSync("sh", [GROW, mnt], { encoding: "utf8" });
    const fsBytes = () => Number(sh("df", ["-B1", "--output=size", mnt]).split("\n").pop());

    it("leaves a file system that already fills its device as it is", () => {
        const before = fsBytes();
        const r = grow();
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toContain("already fills its device");
        expect(fsBytes()).toBe(before);
    });

    it("grows it online to the device's new size, keeping its files", () => {
        fs.writeFileSync(path.join(mnt, "tsdb-block"), "kept");
        const before = fsBytes();
        fs.truncateSync(image, toMiB * MiB);
        sh("losetup", ["--set-capacity", loop]);
        const r = grow();
        if (fstype === "ext4" && !canResizeExt4) {
            expect([r.status, r.stderr]).toEqual([1, expect.stringMatching(/Permission denied to resize filesystem[\s\S]*iiotmon: error: resize2fs \/dev\/loop\d+ failed\n$/)]);
            expect([fsBytes(), fs.readFileSync(path.join(mnt, "tsdb-block"), "utf8")]).toEqual([before, "kept"]);
            return;
        }
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toMatch(new RegExp(`grew the ${fstype} file system`));
        const after = fsBytes();
        // Metadata takes a few percent; the file system now spans (almost) the whole larger device.
        expect(after).toBeGreaterThan(before * 2);
        expect(after).toBeGreaterThan(toMiB * MiB * 0.85);
        expect(r.stdout).toContain(`IIOTMON_GROW before=${before} after=${after} device=${toMiB * MiB}`);
        expect(fs.readFileSync(path.join(mnt, "tsdb-block"), "utf8")).toBe("kept");
        expect(grow().stdout).toContain("already fills its device");
    });
});

describe("growing", () => {
    it("refuses a directory where nothing is mounted", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-grow-none-"));
        const r = spawnSync("sh", [GROW, dir], { encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        expect([r.status, r.stderr.trim()]).toEqual([1, `iiotmon: error: nothing is mounted at ${dir}`]);
    });
});
