import * as fs from "fs";
import * as path from "path";
import { run } from "./exec";

/**
 * Kinds of devices besides the plain Debian one, made by changing a device's files before it boots
 * (LabDeviceOptions.prepare). The software comes from this machine's own Debian packages, copied as
 * dpkg installed them: the lab downloads nothing.
 */

function copyFromHost(root: string, file: string, as = file): void {
    const dest = path.join(root, as);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(fs.realpathSync(file), dest);
    fs.chmodSync(dest, fs.statSync(file).mode & 0o7777);
}

function write(root: string, file: string, text: string, mode = 0o644): void {
    const p = path.join(root, file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text, { mode });
}

/** `systemctl enable` without a running systemd: the symlink that [Install] WantedBy=multi-user.target makes. */
function enableUnit(root: string, unitPath: string): void {
    const wants = path.join(root, "etc/systemd/system/multi-user.target.wants");
    fs.mkdirSync(wants, { recursive: true });
    const link = path.join(wants, path.basename(unitPath));
    fs.rmSync(link, { force: true });
    fs.symlinkSync(unitPath, link);
}

function addSystemUser(root: string, user: string, home: string): void {
    if (!fs.readFileSync(path.join(root, "etc/passwd"), "utf8").includes(`\n${user}:`)) {
        run("chroot", [root, "useradd", "--system", "--no-create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", "--user-group", user]);
    }
}

/** What the scripts call that BusyBox provides; on a BusyBox device these come first in PATH. */
const BUSYBOX_TOOLS = [
    "awk", "cat", "chmod", "chown", "cmp", "cp", "cut", "dirname", "grep", "gzip", "head", "id", "ln", "ls", "mkdir", "mktemp",
    "mv", "printf", "readlink", "rm", "rmdir", "sed", "seq", "sha256sum", "sleep", "stat", "tar", "tr", "uname", "wc",
];

/**
 * An embedded-style device: Dropbear (Debian's dropbear-bin, 2022.83) instead of OpenSSH, BusyBox as
 * /bin/sh, and BusyBox's tools ahead of coreutils in the scripts' PATH (/usr/local/bin). Dropbear serves
 * SFTP through an external sftp-server at the path it was built with: Debian builds it with
 * SFTPSERVER_PATH "/usr/lib/sftp-server" (dropbear 2022.83 debian/rules:34; upstream default
 * /usr/libexec/sftp-server, default_options.h:314), which the image's openssh-sftp-server provides.
 * Returns the device's Dropbear host key.
 */
export function dropbearBusyboxDevice(root: string): string {
    copyFromHost(root, "/usr/sbin/dropbear");
    for (const lib of ["libtomcrypt.so.1", "libtommath.so.1", "libgmp.so.10", "libz.so.1", "libcrypt.so.1"]) {
        copyFromHost(root, `/lib/x86_64-linux-gnu/${lib}`);
    }
    copyFromHost(root, "/bin/busybox");
    fs.rmSync(path.join(root, "bin/sh"), { force: true });
    fs.symlinkSync("busybox", path.join(root, "bin/sh"));
    for (const tool of BUSYBOX_TOOLS) {
        const link = path.join(root, "usr/local/bin", tool);
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.rmSync(link, { force: true });
        fs.symlinkSync("/bin/busybox", link);
    }
    if (!fs.existsSync(path.join(root, "usr/lib/sftp-server"))) {
        throw new Error(`${root}: no /usr/lib/sftp-server in the image (openssh-sftp-server); Dropbear could not serve SFTP`);
    }
    const key = path.join(root, "etc/dropbear/dropbear_ed25519_host_key");
    fs.mkdirSync(path.dirname(key), { recursive: true });
    fs.rmSync(key, { force: true });
    run("dropbearkey", ["-t", "ed25519", "-f", key], { stdio: "ignore" });
    const pub = run("dropbearkey", ["-y", "-f", key]).split("\n").find((l) => l.startsWith("ssh-ed25519 "));
    if (!pub) throw new Error("dropbearkey printed no public key");
    // OpenSSH off, Dropbear on port 22 in the foreground under systemd (-F), logging to stderr (-E), keys only (-s).
    fs.rmSync(path.join(root, "etc/systemd/system/ssh.service"), { force: true });
    fs.symlinkSync("/dev/null", path.join(root, "etc/systemd/system/ssh.service"));
    fs.rmSync(path.join(root, "etc/systemd/system/sshd.service"), { force: true });
    write(
        root,
        "etc/systemd/system/dropbear-lab.service",
        "[Unit]\nDescription=Dropbear SSH server (lab)\nAfter=network.target\n\n[Service]\n" +
            "ExecStart=/usr/sbin/dropbear -F -E -s -p 22 -r /etc/dropbear/dropbear_ed25519_host_key\nRestart=always\n\n" +
            "[Install]\nWantedBy=multi-user.target\n",
    );
    enableUnit(root, "/etc/systemd/system/dropbear-lab.service");
    return pub;
}

/**
 * Debian's prometheus-node-exporter as its package installs it (the package's files from this machine,
 * its system user, the unit enabled): listening on 9100, plain HTTP, as on Debian, Ubuntu and Raspberry Pi OS.
 */
export function distroExporterDevice(root: string): void {
    copyFromHost(root, "/usr/bin/prometheus-node-exporter");
    copyFromHost(root, "/lib/systemd/system/prometheus-node-exporter.service");
    copyFromHost(root, "/etc/default/prometheus-node-exporter");
    fs.mkdirSync(path.join(root, "var/lib/prometheus/node-exporter"), { recursive: true });
    addSystemUser(root, "prometheus", "/var/lib/prometheus");
    enableUnit(root, "/lib/systemd/system/prometheus-node-exporter.service");
}

/** The unit file a hand-made node_exporter set-up typically has: our unit's name and binary path, its own user. */
export const HANDMADE_UNIT =
    "[Unit]\nDescription=Node Exporter (set up by hand)\n\n[Service]\nUser=node_exporter\n" +
    "ExecStart=/usr/local/bin/node_exporter --web.listen-address=:9100 --collector.textfile.directory=/var/lib/node_exporter/textfile_collector\n" +
    "Restart=always\n\n[Install]\nWantedBy=multi-user.target\n";

/** A device set up by hand before iiot-monitoring: /usr/local/bin/node_exporter and its own node_exporter.service. */
export function handmadeExporterDevice(root: string): void {
    copyFromHost(root, "/usr/bin/prometheus-node-exporter", "/usr/local/bin/node_exporter");
    write(root, "etc/systemd/system/node_exporter.service", HANDMADE_UNIT);
    write(root, "var/lib/node_exporter/textfile_collector/site.prom", "# HELP site_commissioned Set by hand.\n# TYPE site_commissioned gauge\nsite_commissioned 1\n");
    addSystemUser(root, "node_exporter", "/nonexistent");
    enableUnit(root, "/etc/systemd/system/node_exporter.service");
}
