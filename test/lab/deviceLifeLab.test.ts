import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { distroExporterDevice, handmadeExporterDevice, HANDMADE_UNIT } from "../../lab/deviceKinds";
import { scrapeSecrets } from "../../lab/lab";
import { deviceChanges, execOnDevice, LabDeviceRecord } from "../../lab/labDevice";
import { LabFleetDevice } from "../../lab/labFleet";
import { LabSuite, outcomeOf } from "../../lab/labSuite";
import { LAB_VERSION_BROKEN } from "../../lab/mirror";
import { renumberDevice } from "../../lab/network";
import { InstallResult } from "../../infra/device";
import { snapshotDiff } from "../../lab/upperSnapshot";
import { deviceResourceNames } from "../../infra/program/stack";

/**
 * What real devices do to an install: a device renamed in endpoints.yaml, a device renumbered (its old
 * address gone), a pushed install cut half-way and a reboot, and a device that already runs an exporter
 * on the port (Debian's package, or a hand-made unit). Real commands from the program under mocks,
 * replayed over real SSH on systemd-nspawn devices, with the provider's and the engine's semantics.
 */
jest.setTimeout(600_000);

const outcome = outcomeOf;
const cmd = (device: string) => deviceResourceNames(device).install;

/** The fields of a result line, as the parser reads them (none when the script printed no line). */
function fields(result: InstallResult | undefined): Readonly<Record<string, string>> {
    return result?.fields ?? {};
}

/** Scrapes node_exporter as Prometheus does (the stack's CA, basic auth); returns the HTTP status. */
function scrapeCode(ip: string, stateDir: string, work: string): string {
    const s = scrapeSecrets(stateDir);
    const ca = path.join(work, `ca-${path.basename(stateDir)}.crt`);
    fs.writeFileSync(ca, s.caCertPem);
    const r = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", ca, "-u", `prometheus:${s.password}`, `https://${ip}:9100/metrics`], { encoding: "utf8" });
    return r.stdout;
}

const state = (d: LabDeviceRecord, unit: string) => execOnDevice(d, `systemctl is-enabled ${unit} 2>&1 || true; systemctl is-active ${unit} 2>&1 || true`).trim().split("\n");

describe("device life on the lab", () => {
    const suite = new LabSuite("life");
    const work = suite.work;
    const newLab = () => suite.newLab();
    const fleetFile = (name: string, devices: LabFleetDevice[], opts?: Parameters<typeof suite.writeFleet>[1]) => suite.writeFleet(devices, opts, name);

    beforeAll(() => suite.setUp());

    afterAll(() => suite.tearDown());

    describe("identity: a device is the same device under a new name or a new address", () => {
        it("a rename installs under the new name and the old resource's delete leaves node_exporter running", async () => {
            const lab = newLab();
            const dev = await lab.start("lab-life-ren", 60);
            const first = await lab.apply(fleetFile("ren-1", [{ record: { ...dev, name: "wtg-old" } }]));
            expect(outcome(first.outcomes, cmd("wtg-old")).ok).toBe(true);

            const { outcomes } = await lab.apply(fleetFile("ren-2", [{ record: { ...dev, name: "wtg-new" } }]));
            // The engine creates the new resource first and deletes the removed one last.
            expect(outcomes.map((o) => [o.resourceName, o.action, o.ok])).toEqual([
                [cmd("wtg-new"), "create", true],
                [cmd("wtg-old"), "delete", true],
            ]);
            // The new name has its own certificate (its name is in it): one restart to serve it, nothing else.
            expect(fields(outcome(outcomes, cmd("wtg-new")).result)).toMatchObject({ status: "ok", changed: "1", restarted: "1", downloaded_bytes: "0" });
            expect(outcome(outcomes, cmd("wtg-old")).output).toContain(`node_exporter here is now installed by lab/${cmd("wtg-new")} (a renamed device, or another stack); leaving it`);
            expect(fields(outcome(outcomes, cmd("wtg-old")).result)).toMatchObject({ status: "ok", removed: "0", kept: "owned-by-other" });
            expect(execOnDevice(dev, "cat /var/lib/iiotmon/owner").trim()).toBe(`lab/${cmd("wtg-new")}`);
            expect(state(dev, "node_exporter")).toEqual(["enabled", "active"]);
            expect(scrapeCode(dev.ip, lab.stateDir, work)).toBe("200");

            // The new name's own delete still removes everything.
            const gone = await lab.apply(fleetFile("ren-3", []));
            expect(fields(outcome(gone.outcomes, cmd("wtg-new")).result).status).toBe("ok");
            expect(execOnDevice(dev, "ls /usr/local/bin/node_exporter /var/lib/iiotmon 2>&1 || true")).toMatch(/No such file[\s\S]*No such file/);
        });

        it("a renumbered device (old address gone) is updated at its new address; nothing runs at the old one", async () => {
            const lab = newLab();
            let dev = await lab.start("lab-life-num", 61);
            await lab.apply(fleetFile("num-1", [{ record: dev }]));
            const newIp = "10.213.0.171";
            renumberDevice(dev.name, dev.index, dev.ip, newIp);
            expect(spawnSync("ping", ["-c", "1", "-W", "1", dev.ip]).status).not.toBe(0);
            dev = { ...dev, ip: newIp };

            const { outcomes } = await lab.apply(fleetFile("num-2", [{ record: dev }]));
            expect(outcomes.map((o) => [o.resourceName, o.action, o.ok, o.error])).toEqual([[cmd(dev.name), "update", true, undefined]]);
            expect(fields(outcome(outcomes, cmd(dev.name)).result)).toMatchObject({ status: "ok", downloaded_bytes: "0" });
            expect(state(dev, "node_exporter")).toEqual(["enabled", "active"]);
            // Its certificate now names the new address, and Prometheus can scrape it there.
            expect(scrapeCode(newIp, lab.stateDir, work)).toBe("200");
        });
    });

    describe("a pushed tarball (SFTP) outlives a failed install and a reboot", () => {
        it("a re-run after an interrupted push install succeeds without a new push, and then removes the tarball", async () => {
            const lab = newLab();
            let dev = await lab.start("lab-life-push", 62);
            const file = fleetFile("push", [{ record: dev, extra: "    arch: amd64\n    nodeExporter:\n      source: push" }]);
            const cut = await lab.apply(file, { killWhen: (l) => l.includes("binary: installed") });
            expect(outcome(cut.outcomes, deviceResourceNames("lab-life-push").pushTarball)).toMatchObject({ action: "create", ok: true });
            expect(outcome(cut.outcomes, cmd(dev.name)).ok).toBe(false);
            // Sent over SFTP (the device's sftp-server logs to the journal), into the SSH user's home.
            const tarball = "/home/iiotmon/.iiotmon/node_exporter-1.5.0-lab.1.linux-amd64.tar.gz";
            expect(execOnDevice(dev, `stat -c '%U %s' ${tarball}`).trim()).toMatch(/^iiotmon \d+$/);

            dev = await lab.reboot(dev);
            expect(execOnDevice(dev, `test -f ${tarball} && echo kept`).trim()).toBe("kept");

            const again = await lab.apply(file);
            // The copy is unchanged (not sent again); the install finds the tarball where it was left.
            expect(again.outcomes.map((o) => [o.resourceName, o.action, o.ok])).toEqual([
                [deviceResourceNames("lab-life-push").pushTarball, "unchanged", true],
                [cmd(dev.name), "create", true],
            ]);
            expect(state(dev, "node_exporter")).toEqual(["enabled", "active"]);
            expect(execOnDevice(dev, `ls -a /home/iiotmon`)).not.toContain(".iiotmon");
        });
    });

    describe("a device that already runs an exporter on the port", () => {
        it("Debian's prometheus-node-exporter: named and refused, then taken over, then given back on uninstall", async () => {
            const lab = newLab();
            const dev = await lab.start("lab-life-deb", 63, { prepare: distroExporterDevice });
            expect(state(dev, "prometheus-node-exporter")).toEqual(["enabled", "active"]);
            const before = deviceChanges(dev);

            const refused = await lab.apply(fleetFile("deb-1", [{ record: dev }]));
            const r = outcome(refused.outcomes, cmd(dev.name));
            expect(r.ok).toBe(false);
            expect(r.output).toMatch(
                /error: port 9100 is already in use by prometheus-node-exporter\.service \(process prometheus-node, pid \d+\); set nodeExporter\.takeOver: true for lab-life-deb in endpoints\.yaml to replace it \(stopped, disabled and masked, given back on uninstall\), or set nodeExporter\.port to a free port to run beside it; nothing was changed/,
            );
            expect(r.result?.line).toBe("IIOTMON_RESULT device=lab-life-deb status=failed reason=port-in-use");
            expect(snapshotDiff(before, deviceChanges(dev))).toEqual([]);
            expect(state(dev, "prometheus-node-exporter")).toEqual(["enabled", "active"]);

            const taken = await lab.apply(fleetFile("deb-2", [{ record: dev, extra: "    nodeExporter:\n      takeOver: true" }]));
            const t = outcome(taken.outcomes, cmd(dev.name));
            expect([t.ok, t.error]).toEqual([true, undefined]);
            expect(t.output).toContain("take-over: stopped, disabled and masked prometheus-node-exporter.service (was enabled, active)");
            expect(state(dev, "prometheus-node-exporter")).toEqual(["masked", "inactive"]);
            expect(state(dev, "node_exporter")).toEqual(["enabled", "active"]);
            expect(scrapeCode(dev.ip, lab.stateDir, work)).toBe("200");

            const gone = await lab.apply(fleetFile("deb-3", []));
            expect(outcome(gone.outcomes, cmd(dev.name)).output).toContain("take-over: gave prometheus-node-exporter.service back (enabled, active)");
            expect(state(dev, "prometheus-node-exporter")).toEqual(["enabled", "active"]);
            expect(spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", `http://${dev.ip}:9100/metrics`], { encoding: "utf8" }).stdout).toBe("200");
            expect(snapshotDiff(before, deviceChanges(dev))).toEqual([]);
        });

        it("another port runs beside it, leaving it alone", async () => {
            const lab = newLab();
            const dev = await lab.start("lab-life-side", 64, { prepare: distroExporterDevice });
            const { outcomes } = await lab.apply(fleetFile("side", [{ record: dev, extra: "    nodeExporter:\n      port: 9101" }]));
            expect(outcome(outcomes, cmd(dev.name)).ok).toBe(true);
            expect(state(dev, "prometheus-node-exporter")).toEqual(["enabled", "active"]);
            expect(execOnDevice(dev, "systemctl show -p ExecStart --value node_exporter")).toContain("--web.listen-address=:9101");
        });

        it("an install that fails after taking over puts everything back: no unit left crash-looping", async () => {
            const lab = newLab();
            const dev = await lab.start("lab-life-back", 65, { prepare: distroExporterDevice });
            const before = deviceChanges(dev);
            const { outcomes } = await lab.apply(fleetFile("back", [{ record: dev, extra: "    nodeExporter:\n      takeOver: true" }], { version: LAB_VERSION_BROKEN }));
            const o = outcome(outcomes, cmd(dev.name));
            expect(o.ok).toBe(false);
            expect(o.output).toContain("error: node_exporter did not answer on https://127.0.0.1:9100/metrics within 30 s");
            expect(o.output).toContain("rollback: done");
            expect(o.result?.line).toBe("IIOTMON_RESULT device=lab-life-back status=failed reason=not-answering");
            expect(state(dev, "prometheus-node-exporter")).toEqual(["enabled", "active"]);
            expect(execOnDevice(dev, "systemctl list-unit-files node_exporter.service --no-legend | wc -l").trim()).toBe("0");
            expect(execOnDevice(dev, "id node-exp 2>&1 || true")).toMatch(/no such user/);
            expect(snapshotDiff(before, deviceChanges(dev))).toEqual([]);
        });

        it("a node_exporter set up by hand: refused, taken over, and its unit, binary and files given back on uninstall", async () => {
            const lab = newLab();
            const dev = await lab.start("lab-life-hand", 66, { prepare: handmadeExporterDevice });
            expect(state(dev, "node_exporter")).toEqual(["enabled", "active"]);
            const before = deviceChanges(dev);
            const handBinary = execOnDevice(dev, "sha256sum /usr/local/bin/node_exporter").split(" ")[0];

            const refused = outcome((await lab.apply(fleetFile("hand-1", [{ record: dev }]))).outcomes, cmd(dev.name));
            expect(refused.output).toMatch(/error: port 9100 is already in use by node_exporter\.service \(process node_exporter, pid \d+\); set nodeExporter\.takeOver: true/);
            expect(snapshotDiff(before, deviceChanges(dev))).toEqual([]);

            const taken = await lab.apply(fleetFile("hand-2", [{ record: dev, extra: "    nodeExporter:\n      takeOver: true" }]));
            expect(outcome(taken.outcomes, cmd(dev.name)).output).toContain("take-over: stopped, disabled node_exporter.service (was enabled, active)");
            expect(execOnDevice(dev, "head -1 /etc/systemd/system/node_exporter.service").trim()).toBe("# Managed by iiot-monitoring (endpoints.yaml); local edits are overwritten.");
            expect(scrapeCode(dev.ip, lab.stateDir, work)).toBe("200");

            const gone = await lab.apply(fleetFile("hand-3", []));
            expect(outcome(gone.outcomes, cmd(dev.name)).output).toContain("take-over: gave node_exporter.service back (enabled, active)");
            expect(execOnDevice(dev, "cat /etc/systemd/system/node_exporter.service")).toBe(HANDMADE_UNIT);
            expect(execOnDevice(dev, "sha256sum /usr/local/bin/node_exporter").split(" ")[0]).toBe(handBinary);
            expect(state(dev, "node_exporter")).toEqual(["enabled", "active"]);
            expect(execOnDevice(dev, "cat /var/lib/node_exporter/textfile_collector/site.prom")).toContain("site_commissioned 1");
            expect(snapshotDiff(before, deviceChanges(dev))).toEqual([]);
        });
    });
});
