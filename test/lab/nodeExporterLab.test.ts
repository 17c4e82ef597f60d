import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Lab, scrapeSecrets } from "../../lab/lab";
import { deviceChanges, execOnDevice, LabDeviceRecord } from "../../lab/labDevice";
import { LabFleetDevice } from "../../lab/labFleet";
import { LabSuite, outcomeOf } from "../../lab/labSuite";
import { LAB_VERSION, LAB_VERSION_2, LAB_VERSION_BAD, tarballSize } from "../../lab/mirror";
import { SSH_KEY } from "../../lab/paths";
import { ReplayOutcome } from "../../lab/replay";
import { snapshotDiff } from "../../lab/upperSnapshot";
import { InstallResult } from "../../infra/device";
import { deviceResourceNames } from "../../infra/program/stack";

/**
 * The device resources' real create/update/delete commands, captured from the program under mocks,
 * replayed over real SSH on simulated Debian devices (systemd-nspawn, own netns, own host key).
 */
jest.setTimeout(600_000);

const OUR_PATHS = ["usr/local/bin/node_exporter", "etc/node_exporter", "etc/systemd/system/node_exporter.service", "var/lib/node_exporter"];

function outcome(outcomes: ReplayOutcome[], device: string): ReplayOutcome {
    return outcomeOf(outcomes, deviceResourceNames(device).install);
}

/** The fields of a result line, as the parser reads them (none when the script printed no line). */
function resultFields(result: InstallResult | undefined): Readonly<Record<string, string>> {
    return result?.fields ?? {};
}

/** Scrapes a device from the host as Prometheus does: HTTPS, the stack's CA, basic auth. */
function scrape(record: LabDeviceRecord, auth: { ca?: string; user?: string; password?: string; scheme?: string }): { code: string; body: string } {
    const args = ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"];
    if (auth.ca) args.push("--cacert", auth.ca);
    if (auth.user) args.push("-u", `${auth.user}:${auth.password}`);
    args.push(`${auth.scheme ?? "https"}://${record.ip}:9100/metrics`);
    const r = spawnSync("curl", args, { encoding: "utf8" });
    const lines = r.stdout.trimEnd().split("\n");
    return { code: lines.pop() ?? "", body: lines.join("\n") };
}

function activeSince(record: LabDeviceRecord): string {
    return execOnDevice(record, "systemctl show -p ActiveEnterTimestampMonotonic --value node_exporter").trim();
}

function starts(record: LabDeviceRecord): number {
    return Number(execOnDevice(record, "journalctl -u node_exporter --no-pager -o cat | grep -c '^Started ' || true").trim());
}

/** What our installer owns on a device, with content hashes and mtimes: if a re-run touches any of it, this changes. */
function ownedFiles(record: LabDeviceRecord): string {
    return execOnDevice(record, "find /usr/local/bin/node_exporter /etc/node_exporter /etc/systemd/system/node_exporter.service /var/lib/node_exporter -exec stat -c '%n %Y %s %a %U' {} + | sort; sha256sum /usr/local/bin/node_exporter /etc/node_exporter/*");
}

describe("node_exporter on lab devices", () => {
    const suite = new LabSuite("node-exporter");
    const work = suite.work;
    const fleetFile = suite.fleetFile;
    let lab: Lab;
    let dl: LabDeviceRecord, push: LabDeviceRecord, jump: LabDeviceRecord, behind: LabDeviceRecord, nosd: LabDeviceRecord, clean: LabDeviceRecord;
    let fleet: LabFleetDevice[];
    let caFile: string;
    let password: string;
    let cleanBefore: Map<string, string>;

    beforeAll(async () => {
        lab = await suite.setUp();
        dl = await lab.start("lab-dl", 1);
        push = await lab.start("lab-push", 2);
        jump = await lab.start("lab-jump", 3);
        // Reachable for the deploy user only through the jump host, as offshore devices are.
        behind = await lab.start("lab-behind", 4, { sshdConfig: "Match Address 10.213.0.1\n    DenyUsers iiotmon\n" });
        nosd = await lab.start("lab-nosd", 5, { systemd: false });
        clean = await lab.start("lab-clean", 6);
        cleanBefore = deviceChanges(clean);
        fleet = [
            { record: dl },
            { record: push, extra: "    arch: amd64\n    nodeExporter:\n      source: push" },
            { record: behind, extra: `    ssh:\n      bastion:\n        address: ${jump.ip}\n        user: iiotmon\n        hostKey: ${jump.hostKey}` },
        ];
        suite.writeFleet(fleet);
    });

    afterAll(() => suite.tearDown());

    describe("install, re-run, change, delete", () => {
        let dlUpperBefore: Map<string, string>;
        let first: ReplayOutcome[];

        beforeAll(async () => {
            dlUpperBefore = deviceChanges(dl);
            first = (await lab.apply(fleetFile)).outcomes;
            const secrets = scrapeSecrets(lab.stateDir);
            caFile = path.join(work, "ca.crt");
            fs.writeFileSync(caFile, secrets.caCertPem);
            password = secrets.password;
        });

        it("installs on several devices at once: downloaded, pushed, and through a bastion", () => {
            for (const d of [dl, push, behind]) {
                const o = outcome(first, d.name);
                expect([o.action, o.ok, o.error]).toEqual(["create", true, undefined]);
                expect(resultFields(o.result)).toMatchObject({ status: "ok", version: LAB_VERSION, arch: "amd64", restarted: "1" });
                expect(execOnDevice(d, "systemctl is-active node_exporter").trim()).toBe("active");
            }
            expect(resultFields(outcome(first, "lab-dl").result).downloaded_bytes).toBe(String(tarballSize(LAB_VERSION)));
            expect(resultFields(outcome(first, "lab-push").result).downloaded_bytes).toBe("0");
            expect(suite.mirror.bytesSentTo(dl.ip)).toBe(tarballSize(LAB_VERSION));
            expect(suite.mirror.bytesSentTo(push.ip)).toBe(0);
        });

        it("really went through the bastion (the device refuses the deploy user from anywhere else)", () => {
            const direct = spawnSync("ssh", ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-i", SSH_KEY, `iiotmon@${behind.ip}`, "true"]);
            expect(direct.status).not.toBe(0);
            expect(execOnDevice(behind, "journalctl -u ssh --no-pager -o cat | grep 'Accepted publickey for iiotmon' | tail -1")).toContain(`from ${jump.ip}`);
        });

        it("runs a hardened unit that restarts on failure", () => {
            const props = execOnDevice(dl, "systemctl show node_exporter -p User -p Restart -p NoNewPrivileges -p ProtectSystem -p ProtectHome -p ProtectControlGroups -p ProtectKernelModules -p ProtectKernelTunables -p UnitFileState");
            expect(props.trim().split("\n").sort()).toEqual([
                "NoNewPrivileges=yes", "ProtectControlGroups=yes", "ProtectHome=read-only", "ProtectKernelModules=yes",
                "ProtectKernelTunables=yes", "ProtectSystem=strict", "Restart=always", "UnitFileState=enabled", "User=node-exp",
            ]);
            expect(execOnDevice(dl, "getent passwd node-exp").trim()).toMatch(/:\/nonexistent:\/usr\/sbin\/nologin$/);
        });

        it("serves /metrics over TLS only, and only with the scrape credentials", () => {
            const ok = scrape(dl, { ca: caFile, user: "prometheus", password });
            expect(ok.code).toBe("200");
            expect(ok.body).toMatch(/^node_uname_info\{.*nodename="lab-dl".*\} 1$/m);
            expect(scrape(dl, { ca: caFile }).code).toBe("401");
            expect(scrape(dl, { ca: caFile, user: "prometheus", password: "wrong" }).code).toBe("401");
            expect(scrape(dl, { scheme: "http", user: "prometheus", password }).code).not.toBe("200");
            expect(scrape(behind, { ca: caFile, user: "prometheus", password }).body).toMatch(/nodename="lab-behind"/);
        });

        it("re-run on installed devices: no download, no file changed, no restart", async () => {
            const filesBefore = ownedFiles(dl);
            const sinceBefore = [dl, push, behind].map(activeSince);
            const bytesBefore = suite.mirror.bytesSentTo(dl.ip);
            // An empty previous state makes the replay run create again on every device, as an update would.
            fs.writeFileSync(lab.appliedFile, "{}");
            const { outcomes } = await lab.apply(fleetFile);
            for (const d of [dl, push, behind]) {
                expect(resultFields(outcome(outcomes, d.name).result)).toMatchObject({ status: "ok", changed: "0", restarted: "0", downloaded_bytes: "0" });
            }
            expect(suite.mirror.bytesSentTo(dl.ip)).toBe(bytesBefore);
            expect(ownedFiles(dl)).toBe(filesBefore);
            expect([dl, push, behind].map(activeSince)).toEqual(sinceBefore);
        });

        it("applies a collector and version change with exactly one restart", async () => {
            const startsBefore = starts(dl);
            suite.writeFleet(fleet, { version: LAB_VERSION_2, collectors: "{enable: [systemd, processes], disable: [wifi]}" });
            const { outcomes } = await lab.apply(fleetFile);
            const o = outcome(outcomes, "lab-dl");
            expect([o.action, o.ok]).toEqual(["update", true]);
            expect(resultFields(o.result)).toMatchObject({ version: LAB_VERSION_2, changed: "1", restarted: "1" });
            expect(starts(dl)).toBe(startsBefore + 1);
            expect(execOnDevice(dl, "systemctl show -p ExecStart --value node_exporter")).toContain("--collector.processes");
            expect(scrape(dl, { ca: caFile, user: "prometheus", password }).body).toMatch(/^node_processes_state/m);
        });

        it("uninstalls a device removed from the fleet, leaving nothing of ours", async () => {
            suite.writeFleet(fleet.filter((d) => d.record !== dl), { version: LAB_VERSION_2, collectors: "{enable: [systemd, processes], disable: [wifi]}" });
            const { outcomes } = await lab.apply(fleetFile);
            const o = outcome(outcomes, "lab-dl");
            expect([o.action, o.ok]).toEqual(["delete", true]);
            expect(resultFields(o.result)).toMatchObject({ status: "ok" });
            expect(snapshotDiff(dlUpperBefore, deviceChanges(dl))).toEqual([]);
            for (const p of OUR_PATHS) expect(fs.existsSync(path.join(dl.dir, "merged", p))).toBe(false);
            expect(execOnDevice(dl, "id node-exp 2>&1 || true")).toMatch(/no such user/);
            expect(execOnDevice(dl, "systemctl list-unit-files node_exporter.service --no-legend | wc -l").trim()).toBe("0");
        });
    });

    describe("faults: a clear error naming the device, and the device left as it was", () => {
        const faultLab = () => suite.newLab();
        const applyOne = async (device: LabFleetDevice, opts: Parameters<Lab["apply"]>[1] = {}, version?: string) => {
            const l = faultLab();
            const file = suite.writeFleet([device], { version }, `fault-${device.record.name}-${Date.now()}`);
            const { outcomes } = await l.apply(file, opts);
            fs.rmSync(l.stateDir, { recursive: true, force: true });
            return outcome(outcomes, device.record.name);
        };

        it("fails an unreachable address within the dial bound", async () => {
            const o = await applyOne({ record: { ...clean, name: "lab-gone" }, address: "10.213.0.250" });
            expect(o.ok).toBe(false);
            expect(o.error).toMatch(new RegExp(`^${deviceResourceNames("lab-gone").install}: create ssh to 10\\.213\\.0\\.250 failed: `));
            expect(o.seconds).toBeLessThanOrEqual(25);
        });

        it("refuses a device whose host key is not the pinned one, before any command runs", async () => {
            const o = await applyOne({ record: clean, hostKey: dl.hostKey });
            expect(o.ok).toBe(false);
            expect(o.error).toMatch(new RegExp(`^${deviceResourceNames("lab-clean").install}: create ssh to 10\\.213\\.0\\.16 failed: .*Host key verification failed`, "s"));
            expect(snapshotDiff(cleanBefore, deviceChanges(clean))).toEqual([]);
        });

        it("says so when sudo wants a password, and changes nothing", async () => {
            const o = await applyOne({ record: clean, extra: "    ssh:\n      user: needpw" });
            expect(o.ok).toBe(false);
            expect(o.output).toContain("iiotmon: error: needpw is not root and sudo asks for a password");
            expect(o.result?.line).toBe("IIOTMON_RESULT status=failed reason=sudo-needs-password");
            expect(snapshotDiff(cleanBefore, deviceChanges(clean))).toEqual([]);
        });

        it("refuses a device without systemd, and changes nothing", async () => {
            const before = deviceChanges(nosd);
            const o = await applyOne({ record: nosd });
            expect(o.ok).toBe(false);
            expect(o.output).toContain("error: this device does not run systemd");
            expect(o.result?.line).toBe("IIOTMON_RESULT device=lab-nosd status=failed reason=no-systemd");
            expect(snapshotDiff(before, deviceChanges(nosd))).toEqual([]);
        });

        it("refuses a tarball whose checksum does not match, replacing nothing", async () => {
            const before = deviceChanges(clean);
            const o = await applyOne({ record: clean }, {}, LAB_VERSION_BAD);
            expect(o.ok).toBe(false);
            expect(o.output).toMatch(/error: checksum mismatch for node_exporter-1\.5\.0-lab\.bad\.linux-amd64\.tar\.gz: expected [0-9a-f]{64}, got [0-9a-f]{64}; nothing was changed/);
            expect(o.result?.line).toBe("IIOTMON_RESULT device=lab-clean status=failed reason=checksum-mismatch");
            expect(snapshotDiff(before, deviceChanges(clean))).toEqual([]);
        });

        it("recovers when an install is cut half-way and run again", async () => {
            const l = faultLab();
            const file = suite.writeFleet([{ record: clean }], {}, "interrupted");
            const cut = await l.apply(file, { killWhen: (line) => line.includes("binary: installed") });
            expect(outcome(cut.outcomes, "lab-clean").ok).toBe(false);
            expect(fs.existsSync(path.join(clean.dir, "merged/usr/local/bin/node_exporter"))).toBe(true);
            const again = await l.apply(file);
            const o = outcome(again.outcomes, "lab-clean");
            expect([o.action, o.ok]).toEqual(["create", true]);
            expect(execOnDevice(clean, "systemctl is-active node_exporter").trim()).toBe("active");
            const secrets = scrapeSecrets(l.stateDir);
            const ca = path.join(work, "fault-ca.crt");
            fs.writeFileSync(ca, secrets.caCertPem);
            expect(scrape(clean, { ca, user: "prometheus", password: secrets.password }).code).toBe("200");
            fs.rmSync(l.stateDir, { recursive: true, force: true });
        });
    });
});
