import { loadChecksums } from "../../infra/device";
import { parseFleet } from "../../infra/fleet";
import { INTERFACES_PER_SNMP_DEVICE, sizeHost, SERIES_PER_PROBE, SERIES_PER_SNMP_MODULE, SERIES_PER_SNMP_TARGET, watchedSizing } from "../../infra/host/sizing";
import { MIXED_FLEET } from "../fleet/watchCases";

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

describe("sizing counts probe and SNMP devices", () => {
    const defaults = { scrapeIntervalSeconds: 30, retentionDays: 30 };
    const fleet = parseFleet(MIXED_FLEET, { file: "endpoints.yaml", checksums: loadChecksums() }).fleet!;

    it("takes every probe of the fleet (a node_exporter device's own too) and every SNMP device's modules", () => {
        expect(watchedSizing(fleet)).toEqual({
            probes: ["tcp", "icmp", "tcp", "https", "http", "icmp"],
            snmpDevices: [
                ["system", "if_mib"],
                ["system", "ups"],
            ],
        });
    });

    it("adds their series to the node_exporter devices' and says how many are theirs", () => {
        const without = sizeHost({ devices: fleet.devices.length, ...defaults });
        const withWatched = sizeHost({ devices: fleet.devices.length, ...defaults, watched: watchedSizing(fleet) });
        expect(without).toMatchObject({ probeSeries: 0, snmpSeries: 0 });
        expect(withWatched.probeSeries).toBe(2 * SERIES_PER_PROBE.tcp + 2 * SERIES_PER_PROBE.icmp + SERIES_PER_PROBE.http + SERIES_PER_PROBE.https);
        // The switch's interfaces dominate: if_mib is per interface.
        expect(withWatched.snmpSeries).toBe(2 * SERIES_PER_SNMP_TARGET + 2 * SERIES_PER_SNMP_MODULE.system + SERIES_PER_SNMP_MODULE.ups + INTERFACES_PER_SNMP_DEVICE * SERIES_PER_SNMP_MODULE.if_mib);
        expect(withWatched.activeSeries).toBe(without.activeSeries + withWatched.probeSeries + withWatched.snmpSeries);
    });

    it("sizes a fleet of switches and PLCs alone (no node_exporter device) as more than an empty one", () => {
        const watched = { probes: Array(5000).fill("https"), snmpDevices: Array(5000).fill(["system", "if_mib"]) };
        const empty = sizeHost({ devices: 0, ...defaults });
        const agentless = sizeHost({ devices: 0, ...defaults, watched });
        expect(agentless.activeSeries).toBeGreaterThan(1_000_000);
        expect(agentless.instanceType).not.toBe(empty.instanceType);
        expect(agentless.dataVolumeGiB).toBeGreaterThan(empty.dataVolumeGiB);
    });
});
