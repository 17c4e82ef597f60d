import * as fs from "fs";
import * as path from "path";
import { Arch, ARCHES } from "../fleet";
import { PROVISIONERS_DIR, UserError } from "../common";

export const SHIPPED_CHECKSUMS_FILE = path.join(PROVISIONERS_DIR, "node-exporter.sha256sums");

/** Pinned checksums of Prometheus releases, for site collectors (3.13.1 amd64 and arm64; the file's header says where each came from). */
export const SHIPPED_COLLECTOR_CHECKSUMS_FILE = path.join(PROVISIONERS_DIR, "prometheus.sha256sums");

/** A line of a release's sha256sums.txt for `<project>-<version>.linux-<arch>.tar.gz`. */
function releaseLine(project: string): RegExp {
    return new RegExp(`^([0-9a-f]{64})\\s+\\*?${project}-(\\d+\\.\\d+\\.\\d+(?:[-+][0-9A-Za-z.-]+)?)\\.linux-([a-z0-9]+)\\.tar\\.gz$`);
}
const LINE = releaseLine("node_exporter");

/** Parses `sha256sums.txt` lines as the release publishes them; other files in it are ignored. */
export function parseChecksums(text: string, into = new Map<string, Map<Arch, string>>(), line = LINE): Map<string, Map<Arch, string>> {
    for (const raw of text.split("\n")) {
        const m = line.exec(raw.trim());
        if (!m) continue;
        const [, sha, version, arch] = m;
        if (!(ARCHES as readonly string[]).includes(arch)) continue;
        let byArch = into.get(version);
        if (!byArch) into.set(version, (byArch = new Map()));
        byArch.set(arch as Arch, sha);
    }
    return into;
}

/** The shipped checksums plus any extra files (a site's own builds, the lab's mirror). */
export function loadChecksums(extraFiles: readonly string[] = []): Map<string, Map<Arch, string>> {
    const table = parseChecksums(fs.readFileSync(SHIPPED_CHECKSUMS_FILE, "utf8"));
    for (const f of extraFiles) {
        let text: string;
        try {
            text = fs.readFileSync(f, "utf8");
        } catch (e) {
            throw new UserError(`nodeExporterChecksumsFiles: ${f} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        parseChecksums(text, table);
    }
    return table;
}

/**
 * Checksums of Prometheus releases (the collector's binary): the shipped file plus the operator's own
 * (collectorChecksumsFiles), each in the format of the release's sha256sums.txt.
 */
export function loadCollectorChecksums(extraFiles: readonly string[] = []): Map<string, Map<Arch, string>> {
    const line = releaseLine("prometheus");
    const table = parseChecksums(fs.readFileSync(SHIPPED_COLLECTOR_CHECKSUMS_FILE, "utf8"), new Map(), line);
    for (const f of extraFiles) parseChecksums(fs.readFileSync(f, "utf8"), table, line);
    return table;
}
