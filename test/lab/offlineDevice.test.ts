import { loadFleet } from "../../infra/fleet/loadFleet";
import { dialAttempts, dialBudget } from "../../infra/device/dialBudget";
import { loadChecksums } from "../../infra/device/checksums";
import { renderTargetsFile, TARGETS_FILE } from "../../infra/host/hostConfigFiles";
import { Lab, labSettings } from "../../lab/lab";
import { execOnDevice, LabDeviceRecord } from "../../lab/labDevice";
import { LabFleetDevice } from "../../lab/labFleet";
import { LabSuite } from "../../lab/labSuite";
import { CHECKSUMS_FILE } from "../../lab/mirror";
import { deviceResourceNames } from "../../infra/program/stack";
import { captureWarnings } from "../harness";

/**
 * Ten devices, one of them offline (an address nobody answers on the lab bridge), replayed as the engine
 * runs steps (lab/replay.ts StepScheduler quotes pulumi/pulumi's step executor) and as the provider dials
 * (lab/sshExec.ts sshRunDialing, infra/device/dialBudget.ts quotes pulumi-command's loop).
 */
jest.setTimeout(600_000);

const GONE = "10.213.0.250";

describe("one offline device among ten", () => {
    const suite = new LabSuite("offline");
    const fleetFile = suite.fleetFile;
    const newLab = () => suite.newLab();
    let devices: LabDeviceRecord[];
    // The offline device is a copy of lab-off-1 at an absent address, so the fleet warns that they share a
    // host key: expected, and asserted rather than printed.
    const applyExpectingClonedKeyWarning = async (options: Parameters<Lab["apply"]>[1]) => {
        const captured = captureWarnings();
        try {
            return await newLab().apply(fleetFile, options);
        } finally {
            captured.restore();
            expect(captured.messages.length).toBeGreaterThan(0);
            for (const m of captured.messages) expect(m).toMatch(/devices\[1\]\.hostKey is the same as the host key of devices\[0\] "lab-off-gone"/);
        }
    };
    const installed = (d: LabDeviceRecord) => execOnDevice(d, "systemctl is-active node_exporter || true").trim();

    beforeAll(async () => {
        const lab = await suite.setUp();
        devices = [];
        for (let i = 1; i <= 9; i++) devices.push(await lab.start(`lab-off-${i}`, 20 + i));
        // The offline device comes first, so it is the first step the engine starts.
        const fleet: LabFleetDevice[] = [{ record: { ...devices[0], name: "lab-off-gone" }, address: GONE }, ...devices.map((record) => ({ record }))];
        suite.writeFleet(fleet);
    });

    afterAll(() => suite.tearDown());

    it("without continue-on-error, the first failure stops the engine from starting the other installs", async () => {
        // --parallel 1 makes the order certain: the offline device's step runs alone and fails first.
        const { outcomes, notStarted } = await applyExpectingClonedKeyWarning({ parallel: 1 });
        expect(outcomes.map((o) => [o.resourceName, o.ok])).toEqual([[deviceResourceNames("lab-off-gone").install, false]]);
        expect(notStarted.sort()).toEqual(devices.map((d) => deviceResourceNames(d.name).install).sort());
        for (const d of devices) expect([d.name, installed(d)]).toEqual([d.name, "inactive"]);
    });

    it("with continue-on-error, the other nine are installed and the offline one fails after the provider's dials", async () => {
        const { outcomes, notStarted } = await applyExpectingClonedKeyWarning({ continueOnError: true });
        expect(notStarted).toEqual([]);
        const gone = outcomes.find((o) => o.resourceName === deviceResourceNames("lab-off-gone").install);
        expect(gone?.ok).toBe(false);
        expect(gone?.error).toMatch(new RegExp(`^${deviceResourceNames("lab-off-gone").install}: create ssh to ${GONE.replace(/\./g, "\\.")} failed: .*No route to host`));
        // dialTimeoutSeconds 20 in the lab: dialErrorLimit + 1 dials, as the provider makes them.
        expect(gone?.dials).toBe(dialAttempts(dialBudget(Number(labSettings().dialTimeoutSeconds))));
        for (const d of devices) {
            const o = outcomes.find((x) => x.resourceName === deviceResourceNames(d.name).install);
            expect([d.name, o?.ok, o?.dials, installed(d)]).toEqual([d.name, true, 1, "active"]);
        }
    });

    it("keeps all ten in the rendered targets file, the offline one included", () => {
        // The file the program hands to the scrape-targets command, which does not wait for any install
        // (test/program/offlineDevices.test.ts checks that edge): DeviceDown reports the offline device.
        const fleet = loadFleet(fleetFile, loadChecksums([CHECKSUMS_FILE]));
        const groups = JSON.parse(renderTargetsFile(fleet)[TARGETS_FILE]) as { targets: string[]; labels: { instance: string } }[];
        const byName = Object.fromEntries(groups.map((g) => [g.labels.instance, g.targets]));
        expect(Object.keys(byName).sort()).toEqual(["lab-off-gone", ...devices.map((d) => d.name)].sort());
        expect(byName["lab-off-gone"]).toEqual([`${GONE}:9100`]);
    });
});
