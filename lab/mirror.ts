import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./exec";
import { PROJECT_ROOT } from "../infra/common/projectRoot";
import { MIRROR_DIR } from "./paths";

/** The Debian-built node_exporter the lab packages in the official release layout. */
const DEBIAN_BINARY = "/usr/bin/prometheus-node-exporter";

/** Lab releases: the same Debian binary, the second one altered so that "a new version" really changes the binary. */
export const LAB_VERSION = "1.5.0-lab.1";
export const LAB_VERSION_2 = "1.5.0-lab.2";
/** A release whose published checksum does not match its tarball: the installer must refuse it. */
export const LAB_VERSION_BAD = "1.5.0-lab.bad";
/** A release whose binary exits at once (checksum right): the install fails after it changed the device. */
export const LAB_VERSION_BROKEN = "1.5.0-lab.broken";

export const CHECKSUMS_FILE = path.join(MIRROR_DIR, "sha256sums.txt");

function sha256(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

export function tarballName(version: string, arch = "amd64"): string {
    return `node_exporter-${version}.linux-${arch}.tar.gz`;
}

function buildTarball(version: string, extra: string, binary = DEBIAN_BINARY): string {
    const dirName = `node_exporter-${version}.linux-amd64`;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tarball-"));
    try {
        fs.mkdirSync(path.join(work, dirName));
        const bin = path.join(work, dirName, "node_exporter");
        fs.copyFileSync(binary, bin);
        if (extra) fs.appendFileSync(bin, extra);
        fs.chmodSync(bin, 0o755);
        fs.writeFileSync(path.join(work, dirName, "LICENSE"), "Apache License 2.0 (lab build of Debian's prometheus-node-exporter)\n");
        fs.writeFileSync(path.join(work, dirName, "NOTICE"), "Lab build for iiot-monitoring tests.\n");
        const out = path.join(MIRROR_DIR, `v${version}`, tarballName(version));
        fs.mkdirSync(path.dirname(out), { recursive: true });
        run("tar", ["-czf", out, "--owner=0", "--group=0", "-C", work, dirName]);
        // Also where a deployer keeps tarballs for `source: push` (nodeExporterTarballDir).
        fs.copyFileSync(out, path.join(MIRROR_DIR, tarballName(version)));
        return out;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/**
 * Builds the lab mirror (same layout as the official releases: vVERSION/node_exporter-VERSION.linux-ARCH.tar.gz)
 * and its sha256sums.txt, which the lab stack adds to the pinned checksums.
 */
export function ensureMirror(): string {
    if (fs.existsSync(CHECKSUMS_FILE) && fs.readFileSync(CHECKSUMS_FILE, "utf8").includes(tarballName(LAB_VERSION_BROKEN))) return CHECKSUMS_FILE;
    const good = buildTarball(LAB_VERSION, "");
    const second = buildTarball(LAB_VERSION_2, "\n# lab release 2\n");
    buildTarball(LAB_VERSION_BAD, "\n# tampered\n");
    const brokenScript = path.join(MIRROR_DIR, "broken-node_exporter");
    fs.mkdirSync(MIRROR_DIR, { recursive: true });
    fs.writeFileSync(brokenScript, "#!/bin/sh\necho 'lab: this node_exporter build is broken' >&2\nexit 1\n", { mode: 0o755 });
    const broken = buildTarball(LAB_VERSION_BROKEN, "", brokenScript);
    const lines = [
        `${sha256(good)}  ${tarballName(LAB_VERSION)}`,
        `${sha256(second)}  ${tarballName(LAB_VERSION_2)}`,
        // The published checksum of "bad" is the good tarball's: what a corrupted or tampered download looks like.
        `${sha256(good)}  ${tarballName(LAB_VERSION_BAD)}`,
        `${sha256(broken)}  ${tarballName(LAB_VERSION_BROKEN)}`,
    ];
    fs.writeFileSync(CHECKSUMS_FILE, lines.join("\n") + "\n");
    return CHECKSUMS_FILE;
}

/** Size of a lab tarball, to check what a device downloaded. */
export function tarballSize(version: string): number {
    return fs.statSync(path.join(MIRROR_DIR, `v${version}`, tarballName(version))).size;
}

/** A Prometheus release built in the lab from Debian's 2.42 binaries, in the official layout, for site collectors. */
export const LAB_PROMETHEUS_VERSION = "2.42.0-lab.2";
/** Where a lab collector device has Debian's own promtool, which the lab release's promtool calls for all but `push`. */
export const LAB_DEBIAN_PROMTOOL = "/usr/local/lib/iiotmon-lab/promtool-2.42";

/**
 * The lab release's promtool: Debian's 2.42 promtool lacks `push metrics` (the pinned 3.13.1 has it),
 * so `push` goes to lab/promtool-push.pl (perl-base, which every Debian device has) and everything
 * else (tsdb dump) to Debian's promtool, which the lab's device image carries (rootfs.ts; IIOTMON_LAB_DEBIAN_PROMTOOL names
 * another place: the benchmark runs it on this machine).
 */
export function labPromtoolScript(): string {
    const perl = fs.readFileSync(path.join(PROJECT_ROOT, "lab", "promtool-push.pl"), "utf8");
    return `#!/bin/sh
# Lab build of promtool (iiot-monitoring lab): see lab/mirror.ts.
if [ "\${1:-}" = push ]; then exec perl -x "$0" "$@"; fi
exec "\${IIOTMON_LAB_DEBIAN_PROMTOOL:-${LAB_DEBIAN_PROMTOOL}}" "$@"
${perl}`;
}

/** Debian's prometheus on this machine (package prometheus): what the lab's Prometheus release is built from. */
export const DEBIAN_PROMETHEUS = "/usr/bin/prometheus";

export const PROMETHEUS_CHECKSUMS_FILE = path.join(MIRROR_DIR, "prometheus-sha256sums.txt");

export function prometheusTarballName(version = LAB_PROMETHEUS_VERSION, arch = "amd64"): string {
    return `prometheus-${version}.linux-${arch}.tar.gz`;
}

/**
 * Builds (once) the lab's Prometheus release tarball and its sha256sums.txt, which a lab stack gives as
 * collectorChecksumsFiles: the same pinning as for a real release.
 */
export function ensurePrometheusRelease(): { tarball: string; checksums: string } {
    const tarball = path.join(MIRROR_DIR, `v${LAB_PROMETHEUS_VERSION}`, prometheusTarballName());
    if (fs.existsSync(tarball) && fs.existsSync(PROMETHEUS_CHECKSUMS_FILE)) return { tarball, checksums: PROMETHEUS_CHECKSUMS_FILE };
    const dirName = `prometheus-${LAB_PROMETHEUS_VERSION}.linux-amd64`;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "lab-prom-tarball-"));
    try {
        fs.mkdirSync(path.join(work, dirName));
        fs.copyFileSync(DEBIAN_PROMETHEUS, path.join(work, dirName, "prometheus"));
        fs.chmodSync(path.join(work, dirName, "prometheus"), 0o755);
        fs.writeFileSync(path.join(work, dirName, "promtool"), labPromtoolScript(), { mode: 0o755 });
        fs.writeFileSync(path.join(work, dirName, "LICENSE"), "Apache License 2.0 (lab build of Debian's prometheus)\n");
        fs.mkdirSync(path.dirname(tarball), { recursive: true });
        run("tar", ["-czf", `${tarball}.tmp`, "--owner=0", "--group=0", "-C", work, dirName]);
        fs.renameSync(`${tarball}.tmp`, tarball);
        fs.writeFileSync(PROMETHEUS_CHECKSUMS_FILE, `${sha256(tarball)}  ${prometheusTarballName()}\n`);
        return { tarball, checksums: PROMETHEUS_CHECKSUMS_FILE };
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}
