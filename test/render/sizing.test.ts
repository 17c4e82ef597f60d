import { sizeHost } from "../../infra/host/sizing";

describe("sizing of the data volume", () => {
    const defaults = { scrapeIntervalSeconds: 30, retentionDays: 30 };

    it("holds the TSDB with 50 % headroom plus what a backup run writes locally", () => {
        for (const devices of [1, 59, 1000, 10000]) {
            const s = sizeHost({ devices, ...defaults });
            expect(s.dataVolumeGiB).toBeGreaterThanOrEqual(20 + s.tsdbGiB * 1.5 + s.backupLocalGiB);
            expect(s.dataVolumeGiB % 10).toBe(0);
        }
    });

    it("counts the head a snapshot writes out (3 hours of samples), blocks compacted during a run, restic's cache and the dumps, never a full copy", () => {
        const s = sizeHost({ devices: 59, ...defaults });
        const headGiB = (59 * 1300 * (3 * 3600 / 30) * 2) / 1024 ** 3;
        expect(s.backupLocalGiB).toBeCloseTo(headGiB + s.tsdbGiB * 0.11 + 1, 6);
        // The tar.gz staging this replaced needed the whole TSDB twice (the new archive and the last good one).
        expect(s.backupLocalGiB).toBeLessThan(s.tsdbGiB * 0.25);
        // The average wind farm of the README: about 12 GiB of TSDB for 30 days.
        expect(s.tsdbGiB).toBeGreaterThan(12);
        expect(s.tsdbGiB).toBeLessThan(13);
    });

    it("grows with the scrape rate: a 15 s interval doubles the head a snapshot writes", () => {
        const a = sizeHost({ devices: 1000, scrapeIntervalSeconds: 30, retentionDays: 30 });
        const b = sizeHost({ devices: 1000, scrapeIntervalSeconds: 15, retentionDays: 30 });
        expect(b.backupLocalGiB - b.tsdbGiB * 0.11).toBeCloseTo(2 * (a.backupLocalGiB - a.tsdbGiB * 0.11) - 1, 6);
    });
});
