import * as fs from "fs";
import * as path from "path";
import { run } from "./exec";
import { LAB_DEBIAN_PROMTOOL } from "./mirror";
import { BASE_ROOTFS, SSH_KEY } from "./paths";

/** Debian's promtool on this machine (package prometheus). */
const DEBIAN_PROMTOOL = "/usr/bin/promtool";

const PACKAGES = "systemd,systemd-sysv,dbus,openssh-server,iproute2,curl,ca-certificates,procps,sudo,tar,gzip,passwd";
// Renamed when the image gains a step, so a cached image built before it gets that step too.
const READY = ".iiotmon-lab-ready-2";

/** The Debian mirror this machine already uses, so the lab needs no other network. */
function debianMirror(): string {
    const sources = "/etc/apt/sources.list.d/debian.sources";
    if (fs.existsSync(sources)) {
        const m = /^URIs:\s*(\S+)/m.exec(fs.readFileSync(sources, "utf8"));
        if (m) return m[1];
    }
    const list = fs.existsSync("/etc/apt/sources.list") ? fs.readFileSync("/etc/apt/sources.list", "utf8") : "";
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm/m.exec(list);
    return m ? m[1] : "http://deb.debian.org/debian";
}

/** The lab's SSH key: authorised for root, `iiotmon` (passwordless sudo) and `needpw` (sudo asks a password). */
export function ensureLabKey(): string {
    if (!fs.existsSync(SSH_KEY)) {
        fs.mkdirSync(path.dirname(SSH_KEY), { recursive: true, mode: 0o700 });
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "iiotmon-lab", "-f", SSH_KEY]);
    }
    return fs.readFileSync(`${SSH_KEY}.pub`, "utf8");
}

function writeFile(root: string, file: string, text: string, mode = 0o644): void {
    const p = path.join(root, file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text, { mode });
    fs.chmodSync(p, mode);
}

/**
 * Builds the device image once (debootstrap, 40-50 s) and caches it; devices are overlays on it.
 * Host keys are removed from the image: each device gets its own.
 */
export function ensureRootfs(log: (s: string) => void = () => {}): string {
    if (fs.existsSync(path.join(BASE_ROOTFS, READY))) return BASE_ROOTFS;
    if (!fs.existsSync(path.join(BASE_ROOTFS, ".debootstrap-done"))) {
        const tmp = `${BASE_ROOTFS}.tmp`;
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(BASE_ROOTFS), { recursive: true });
        log(`lab: building the device image with debootstrap (once, about a minute)`);
        run("debootstrap", ["--variant=minbase", `--include=${PACKAGES}`, "bookworm", tmp, debianMirror()], { stdio: "ignore" });
        fs.writeFileSync(path.join(tmp, ".debootstrap-done"), "");
        fs.rmSync(BASE_ROOTFS, { recursive: true, force: true });
        fs.renameSync(tmp, BASE_ROOTFS);
    }
    const pub = ensureLabKey();
    const root = BASE_ROOTFS;
    const chroot = (...args: string[]) => run("chroot", [root, ...args]);
    for (const f of fs.readdirSync(path.join(root, "etc/ssh"))) {
        if (f.startsWith("ssh_host_")) fs.rmSync(path.join(root, "etc/ssh", f));
    }
    for (const user of ["iiotmon", "needpw"]) {
        if (!fs.readFileSync(path.join(root, "etc/passwd"), "utf8").includes(`\n${user}:`)) {
            chroot("useradd", "--create-home", "--shell", "/bin/sh", user);
        }
        writeFile(root, `home/${user}/.ssh/authorized_keys`, pub, 0o600);
        chroot("chown", "-R", `${user}:${user}`, `/home/${user}/.ssh`);
    }
    writeFile(root, "root/.ssh/authorized_keys", pub, 0o600);
    // needpw's sudo asks for a password it never gets: the installer must say so clearly.
    run("chroot", [root, "chpasswd"], { input: "needpw:lab-password-not-used\n" });
    writeFile(root, "etc/sudoers.d/iiotmon", "iiotmon ALL=(ALL) NOPASSWD: ALL\nneedpw ALL=(ALL) ALL\n", 0o440);
    writeFile(root, "etc/ssh/sshd_config.d/lab.conf", "PasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n");
    // Boots faster and quieter in a container.
    for (const unit of ["systemd-networkd-wait-online.service", "e2scrub_reap.service", "apt-daily.timer", "apt-daily-upgrade.timer"]) {
        run("chroot", [root, "systemctl", "mask", unit], { allowFail: true });
    }
    // The lab's Prometheus release (site collectors) hands all but `push` to Debian's promtool on the device
    // (mirror.ts: labPromtoolScript); in the image, every device has it without a copy of its own.
    if (fs.existsSync(DEBIAN_PROMTOOL)) {
        fs.mkdirSync(path.join(root, path.dirname(LAB_DEBIAN_PROMTOOL)), { recursive: true });
        fs.copyFileSync(DEBIAN_PROMTOOL, path.join(root, LAB_DEBIAN_PROMTOOL));
        fs.chmodSync(path.join(root, LAB_DEBIAN_PROMTOOL), 0o755);
    }
    fs.writeFileSync(path.join(root, READY), "");
    return root;
}
