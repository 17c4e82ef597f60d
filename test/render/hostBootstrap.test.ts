import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { load } from "js-yaml";
import { provisionerScript } from "../../infra/common/provisionerScripts";
import { renderCloudInit, USER_DATA_LIMIT_BYTES } from "../../infra/host/cloudInit";
import { growOnlyVolumeSize } from "../../infra/host/dataVolumeSize";
import { HOST_SCRIPT_LAUNCHER, launcher, launcherStdin } from "../../infra/host/hostCommand";
import { HOST_SCRIPTS, hostSetupPayload, hostSystemFiles } from "../../infra/host/hostSystemFiles";

/** A real key pair as ssh-keygen makes it (the stack's tls.PrivateKey ED25519 gives the same OpenSSH format). */
function keyPair(dir: string, name: string, type: string): { privateOpenssh: string; publicOpenssh: string } {
    const file = path.join(dir, name);
    const r = spawnSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", `${name}@iiotmon`, "-f", file], { encoding: "utf8" });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    return { privateOpenssh: fs.readFileSync(file, "utf8"), publicOpenssh: fs.readFileSync(`${file}.pub`, "utf8") };
}

describe("the monitoring host's user data", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-keys-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("fits AWS's 16,384 bytes with real keys, with room to spare", () => {
        const host = keyPair(dir, "host", "ed25519");
        const admin = keyPair(dir, "admin", "ed25519");
        const userData = renderCloudInit({ hostKey: host, adminPublicKey: admin.publicOpenssh });
        const bytes = Buffer.byteLength(userData, "utf8");
        expect(userData).toContain(host.privateOpenssh.trim().split("\n")[1]);
        // About 1.2 KB: settings, scripts and the fleet no longer travel in it.
        expect(bytes).toBeLessThan(USER_DATA_LIMIT_BYTES / 8);
    });

    it("holds only the bootstrap: no host script, backup setting, schedule or volume", () => {
        const userData = renderCloudInit({ hostKey: { privateOpenssh: "k\n", publicOpenssh: "ssh-ed25519 AAAA" }, adminPublicKey: "ssh-ed25519 BBBB" });
        const doc = load(userData) as Record<string, unknown>;
        expect(Object.keys(doc).sort()).toEqual(["disable_root", "final_message", "groups", "package_update", "package_upgrade", "packages", "runcmd", "ssh_deletekeys", "ssh_genkeytypes", "ssh_keys", "ssh_pwauth", "users"]);
        for (const script of HOST_SCRIPTS) {
            const line = provisionerScript(script).split("\n").find((l) => l.length > 40 && !l.startsWith("#"))!;
            expect([script, userData.includes(line)]).toEqual([script, false]);
        }
        expect(userData).not.toMatch(/OnCalendar|BUCKET|vol-|backup/);
    });
});

describe("host commands: the script on stdin behind a short launcher", () => {
    const run = (shell: string, script: string, input: string) => spawnSync(shell, ["-c", launcher(`${shell} -c`)], { input: launcherStdin(script, input), encoding: "utf8" });

    it.each(["dash", "bash"])("%s hands the script exactly the input after it, and its exit status", (shell) => {
        const input = "@@file a 0644 0\nline with 'quotes' and \\backslash\n\n  indented\n@@end\n";
        const r = run(shell, "cat\necho done\n", input);
        expect([r.status, r.stdout, r.stderr]).toEqual([0, `${input}done\n`, ""]);
        expect(run(shell, "echo failing >&2\nexit 7\n", "").status).toBe(7);
    });

    it("keeps the command short, so a failure's error shows the output, not kilobytes of script", () => {
        expect(Buffer.byteLength(HOST_SCRIPT_LAUNCHER)).toBeLessThan(400);
        expect(HOST_SCRIPT_LAUNCHER).toMatch(/^sudo -n sh -c '/);
    });
});

describe("provisioners/host-setup.sh, writing into a directory instead of /", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-sysroot-"));
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
    const backup = { bucket: "iiotmon-backups-1234", region: "eu-west-2", schedule: "*-*-* 02:30:00", retentionDays: 90 };
    const setup = (payload: string) =>
        spawnSync("sh", ["-c", launcher("sh -c")], { input: launcherStdin(provisionerScript("host-setup.sh"), payload), encoding: "utf8", env: { ...process.env, IIOTMON_SYSROOT: root } });

    it("installs every host script, the backup settings and units; a re-run changes nothing", () => {
        const r = setup(hostSetupPayload(hostSystemFiles(backup), "vol-0123456789abcdef0"));
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.stdout).toContain(`IIOTMON_RESULT changed=${HOST_SCRIPTS.length + 4}`);
        for (const s of HOST_SCRIPTS) {
            const file = path.join(root, "usr/local/lib/iiotmon", s);
            expect([s, fs.readFileSync(file, "utf8"), (fs.statSync(file).mode & 0o777).toString(8)]).toEqual([s, provisionerScript(s), "755"]);
        }
        expect(fs.readFileSync(path.join(root, "etc/iiotmon/backup.env"), "utf8")).toBe("BUCKET=iiotmon-backups-1234\nREGION=eu-west-2\nBACKUP_RETENTION_DAYS=90\n");
        expect(fs.readFileSync(path.join(root, "etc/systemd/system/iiotmon-backup.timer"), "utf8")).toContain("OnCalendar=*-*-* 02:30:00");
        expect(setup(hostSetupPayload(hostSystemFiles(backup), "vol-0123456789abcdef0")).stdout).toContain("IIOTMON_RESULT changed=0");
    });

    it("a new backup schedule rewrites the timer, nothing else", () => {
        const r = setup(hostSetupPayload(hostSystemFiles({ ...backup, schedule: "*-*-* 04:00:00" }), "vol-0123456789abcdef0"));
        expect([r.status, r.stdout.split("\n").filter((l) => l.startsWith("iiotmon: wrote"))]).toEqual([0, ["iiotmon: wrote /etc/systemd/system/iiotmon-backup.timer"]]);
        expect(fs.readFileSync(path.join(root, "etc/systemd/system/iiotmon-backup.timer"), "utf8")).toContain("OnCalendar=*-*-* 04:00:00");
    });

    it("refuses to write anywhere else, and writes nothing", () => {
        const r = setup("@@file /etc/iiotmon/ok 0644\nx\n@@file /etc/passwd 0644\nroot::0:0::/:/bin/sh\n@@end\n");
        expect([r.status, r.stderr.trim()]).toEqual([1, expect.stringContaining("refusing to write /etc/passwd")]);
        expect(fs.existsSync(path.join(root, "etc/iiotmon/ok"))).toBe(false);
    });
});

describe("the data volume's size", () => {
    it("is what the fleet asks for on the first up (no volume yet) and when it grows", () => {
        expect(growOnlyVolumeSize(40, [])).toEqual({ sizeGiB: 40 });
        expect(growOnlyVolumeSize(340, [40])).toEqual({ sizeGiB: 340 });
    });

    it("never shrinks: a smaller fleet keeps the size the volume has, and says so", () => {
        expect(growOnlyVolumeSize(40, [340])).toEqual({ sizeGiB: 340, note: expect.stringContaining("never shrink") });
        expect(growOnlyVolumeSize(40, [100, 340]).sizeGiB).toBe(340);
    });
});
