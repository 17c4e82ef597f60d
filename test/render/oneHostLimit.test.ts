import * as fs from "fs";
import * as path from "path";
import { capacityWarning, devicesOneHostHolds, largestInstanceType, oneHostTable, renderOneHostTable } from "../../infra/host/oneHostLimit";
import { ampQuotaWarning } from "../../infra/host/ampRemoteWrite";
import { sizeHost } from "../../infra/host/sizing";
import { ROOT } from "../harness";

const size = (devices: number, retentionDays = 30) => sizeHost({ devices, scrapeIntervalSeconds: 30, retentionDays });
const warning = (devices: number, more: { retentionDays?: number; longTermStore?: boolean; pinnedInstanceType?: string } = {}) =>
    capacityWarning({ devices, sizing: size(devices, more.retentionDays ?? 30), retentionDays: more.retentionDays ?? 30, longTermStore: more.longTermStore ?? false, pinnedInstanceType: more.pinnedInstanceType });

describe("when one host is not enough", () => {
    const rows = oneHostTable((devices, retentionDays) => size(devices, retentionDays));

    it("follows sizeHost's own rule: each type holds exactly the devices at which sizeHost stops choosing it", () => {
        rows.forEach((r, i) => {
            expect([r.devices, size(r.devices).instanceType]).toEqual([r.devices, r.instanceType]);
            if (i + 1 < rows.length) expect([r.devices + 1, size(r.devices + 1).instanceType]).toEqual([r.devices + 1, rows[i + 1].instanceType]);
        });
    });

    it("says nothing while the largest type holds the fleet, and the numbers and both ways out one device later", () => {
        const limit = devicesOneHostHolds();
        expect(largestInstanceType().type).toBe("r6i.4xlarge");
        expect(warning(10_000)).toBeUndefined();
        expect(warning(limit)).toBeUndefined();
        const w = warning(limit + 1)!;
        expect(w).toContain(`its ${(limit + 1).toLocaleString("en")} devices make about ${((limit + 1) * 1300).toLocaleString("en")} active series`);
        expect(w).toContain("more than the 128 GiB of r6i.4xlarge, the largest instance type the stack sizes to");
        expect(w).toContain("pulumi config set longTermStore amp and a short retentionDays");
        expect(w).toContain(`stacks of at most ${limit.toLocaleString("en")} devices`);
    });

    it("warns of the volume past gp3's 16,384 GiB, and with AMP on asks only for a shorter retention", () => {
        expect(warning(5_000, { retentionDays: 365 })).toMatch(/365 days of samples need a [\d,]+ GiB data volume, more than the 16,384 GiB/);
        expect(warning(5_000, { retentionDays: 365, longTermStore: true })).toContain("shorten retentionDays (the long-term store, AMP, is on");
        expect(warning(5_000, { retentionDays: 30 })).toBeUndefined();
        // The page's figure: a year's retention outgrows gp3 at 3,991 devices.
        expect([warning(3_990, { retentionDays: 365 }), warning(3_991, { retentionDays: 365 })?.includes("16,384 GiB")]).toEqual([undefined, true]);
    });

    it("measures a pinned instance type by its own memory", () => {
        expect(warning(500, { pinnedInstanceType: "t3.large" })).toBeUndefined();
        expect(warning(1_200, { pinnedInstanceType: "t3.large" })).toContain("more than the 8 GiB of t3.large (the instanceType setting)");
    });

    it("AMP's default ingestion quota (70,000 samples a second) is crossed at 1,616 devices every 30 s", () => {
        expect(ampQuotaWarning({ activeSeries: 1_615 * 1300, scrapeIntervalSeconds: 30 })).toBeUndefined();
        expect(ampQuotaWarning({ activeSeries: 1_616 * 1300, scrapeIntervalSeconds: 30 })).toContain("about 70,027 samples a second");
    });

    it("docs/explanation/multi-host.md prints the table these functions compute", () => {
        const table = renderOneHostTable(rows);
        const doc = fs.readFileSync(path.join(ROOT, "docs/explanation/multi-host.md"), "utf8");
        expect([doc.includes(table), table]).toEqual([true, table]);
    });
});
