import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DROPBEAR_MAX_CMD_LEN } from "../../infra/device/deviceCommands";
import { dropbearBusyboxDevice } from "../../lab/deviceKinds";
import { Lab, scrapeSecrets } from "../../lab/lab";
import { deviceChanges, execOnDevice, LabDeviceRecord } from "../../lab/labDevice";
import { LabFleetDevice } from "../../lab/labFleet";
import { LabSuite, outcomeOf } from "../../lab/labSuite";
import { SSH_KEY } from "../../lab/paths";
import { ReplayOutcome } from "../../lab/replay";
import { snapshotDiff } from "../../lab/upperSnapshot";
import { deviceResourceNames } from "../../infra/program/stack";

/**
 * A small device's SSH server: Dropbear (Debian's 2022.83 build) with BusyBox as /bin/sh and BusyBox's
 * tools first in PATH. Install (pushed over SFTP through Dropbear's sftp-server), re-run, reconfigure
 * and uninstall, with the program's real commands.
 */
jest.setTimeout(600_000);

function result(outcomes: ReplayOutcome[], device: string): Record<string, string> {
    const o = outcomeOf(outcomes, deviceResourceNames(device).install);
    if (!o.ok) throw new Error(`${device}: ${o.error}\n${o.output}`);
    return { ...o.result?.fields };
}

/** Runs a command on the device as root over SSH, pinned host key; returns the exit code and stderr. */
function sshStatus(d: LabDeviceRecord, command: string): { code: number | null; stderr: string } {
    const kh = path.join(d.dir, "known_hosts");
    fs.writeFileSync(kh, `${d.ip} ${d.hostKey}\n`);
    const r = spawnSync("ssh", ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${kh}`, "-o", "LogLevel=ERROR", "-i", SSH_KEY, `root@${d.ip}`, command], { encoding: "utf8" });
    return { code: r.status, stderr: r.stderr };
}

describe("a Dropbear + BusyBox device", () => {
    const suite = new LabSuite("dropbear");
    const fleetFile = suite.fleetFile;
    let lab: Lab;
    let dev: LabDeviceRecord;
    let fleet: LabFleetDevice[];
    let before: Map<string, string>;

    beforeAll(async () => {
        lab = await suite.setUp();
        dev = await lab.start("lab-dropbear", 68, { prepare: dropbearBusyboxDevice });
        before = deviceChanges(dev);
        fleet = [{ record: dev, extra: "    arch: amd64\n    nodeExporter:\n      source: push" }];
        suite.writeFleet(fleet);
    });

    afterAll(() => suite.tearDown());

    it("is Dropbear with BusyBox's shell and tools", () => {
        expect(execOnDevice(dev, "readlink /bin/sh; command -v sha256sum; readlink /usr/local/bin/tar").trim().split("\n")).toEqual(["busybox", "/usr/local/bin/sha256sum", "/bin/busybox"]);
        expect(execOnDevice(dev, "systemctl is-active dropbear-lab ssh || true").trim().split("\n")).toEqual(["active", "inactive"]);
    });

    it("refuses an exec request over 9,000 bytes, as Dropbear's source says, and runs one just under", () => {
        const pad = (n: number) => `true ${"#".repeat(n - 5)}`;
        expect(sshStatus(dev, pad(DROPBEAR_MAX_CMD_LEN - 100)).code).toBe(0);
        expect(sshStatus(dev, pad(DROPBEAR_MAX_CMD_LEN + 1)).code).not.toBe(0);
    });

    it("installs (tarball pushed over SFTP), re-runs changing nothing, reconfigures, and uninstalls cleanly", async () => {
        const first = await lab.apply(fleetFile);
        expect(first.outcomes.map((o) => [o.resourceName, o.action, o.ok])).toEqual([
            [deviceResourceNames("lab-dropbear").pushTarball, "create", true],
            [deviceResourceNames("lab-dropbear").install, "create", true],
        ]);
        expect(result(first.outcomes, dev.name)).toMatchObject({ status: "ok", changed: "1", restarted: "1" });
        expect(execOnDevice(dev, "systemctl is-active node_exporter").trim()).toBe("active");
        const s = scrapeSecrets(lab.stateDir);
        const ca = path.join(suite.work, "ca.crt");
        fs.writeFileSync(ca, s.caCertPem);
        const scrape = () => spawnSync("curl", ["-s", "--max-time", "10", "--cacert", ca, "-u", `prometheus:${s.password}`, `https://${dev.ip}:9100/metrics`], { encoding: "utf8" }).stdout;
        expect(scrape()).toMatch(/^node_uname_info\{.*nodename="lab-dropbear".*\} 1$/m);

        // A re-run (as an update would run create again): nothing changed, nothing restarted.
        const owned = () => execOnDevice(dev, "find /usr/local/bin/node_exporter /etc/node_exporter /etc/systemd/system/node_exporter.service /var/lib/node_exporter /var/lib/iiotmon -exec stat -c '%n %Y %s %a' {} + | sort");
        const filesBefore = owned();
        fs.writeFileSync(lab.appliedFile, "{}");
        const again = await lab.apply(fleetFile);
        expect(result(again.outcomes, dev.name)).toMatchObject({ status: "ok", changed: "0", restarted: "0", downloaded_bytes: "0" });
        expect(owned()).toBe(filesBefore);

        suite.writeFleet(fleet, { collectors: "{enable: [systemd, processes], disable: [wifi]}" });
        const changed = await lab.apply(fleetFile);
        expect(result(changed.outcomes, dev.name)).toMatchObject({ status: "ok", changed: "1", restarted: "1" });
        expect(scrape()).toMatch(/^node_processes_state/m);

        suite.writeFleet([]);
        const gone = await lab.apply(fleetFile);
        expect(result(gone.outcomes, dev.name)).toMatchObject({ status: "ok" });
        expect(snapshotDiff(before, deviceChanges(dev))).toEqual([]);
    });
});
