import * as fs from "fs";
import { collectorChecksumProblem, loadCollectorChecksums, SHIPPED_COLLECTOR_CHECKSUMS_FILE } from "../../infra/device";
import { COLLECTOR_SETTING_DEFAULTS } from "../../infra/settings/collectorSettings";
import { Device } from "../../infra/fleet";

/** What an operator relies on: the default collector release installs on amd64 and arm64 with no file of their own. */
describe("the shipped Prometheus checksums (provisioners/prometheus.sha256sums)", () => {
    const table = loadCollectorChecksums();
    const text = fs.readFileSync(SHIPPED_COLLECTOR_CHECKSUMS_FILE, "utf8");
    const device = (arch: Device["arch"]) => ({ name: "gw", arch }) as Device;

    it("pin the default collectorVersion for linux amd64 and arm64, in the release's sha256sums.txt format", () => {
        const byArch = table.get(COLLECTOR_SETTING_DEFAULTS.collectorVersion);
        expect(byArch && [...byArch.keys()].sort()).toEqual(["amd64", "arm64"]);
        for (const sha of byArch!.values()) expect(sha).toMatch(/^[0-9a-f]{64}$/);
        const lines = text.split("\n").filter((l) => !l.startsWith("#") && l.trim() !== "");
        for (const l of lines) expect(l).toMatch(/^[0-9a-f]{64}  prometheus-\d+\.\d+\.\d+\.linux-[a-z0-9]+\.tar\.gz$/);
    });

    it("say where every shipped digest came from, and that armv7 is not among them", () => {
        for (const sha of table.get(COLLECTOR_SETTING_DEFAULTS.collectorVersion)!.values()) {
            // The provenance header quotes each digest's first and last characters.
            expect(text).toContain(`${sha.slice(0, 8)}...${sha.slice(-6)}`);
        }
        expect(text).toMatch(/linux-armv7: no public source quotes it; it does not ship/);
    });

    it("let an amd64 or arm64 collector install without a warning, and warn for armv7", () => {
        const v = COLLECTOR_SETTING_DEFAULTS.collectorVersion;
        expect(collectorChecksumProblem(device("amd64"), v, table)).toBeUndefined();
        expect(collectorChecksumProblem(device("arm64"), v, table)).toBeUndefined();
        expect(collectorChecksumProblem(device("armv7"), v, table)).toMatch(/no pinned checksum for Prometheus 3\.13\.1 on armv7/);
    });
});
