import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { load, dump } from "js-yaml";
import { OwnedWindows, Weekday } from "../../infra/fleet/maintenance";
import { renderAlertmanagerConfig } from "../../infra/host/alertmanagerConfig";
import { AlertmanagerProcess } from "../../lab/alertmanagerProcess";
import { sleep } from "../../lab/exec";

/**
 * The real Alertmanager (Debian's 0.25) across a real clock change, not a copy of its rules: two zones of
 * the test's own, compiled with zic, change their offset a few seconds after the test starts (one springs
 * forward an hour, one falls back an hour). Alertmanager reads them through ZONEINFO, which Go's
 * time.LoadLocation consults before the system's zone database. A weekly window in each zone is placed
 * so that the same wall-clock window is outside "now" before the change and inside it after: an alert
 * sent before the change is notified, one sent after it is muted, and a device with no window is
 * notified throughout.
 */
jest.setTimeout(120_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WEEKDAYS: Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** The local weekday and "HH:MM" of an instant in a zone `offsetMs` ahead of UTC. */
function wallClock(ms: number, offsetMs: number): { day: Weekday; hhmm: string; minute: number } {
    const d = new Date(ms + offsetMs);
    const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
    return { day: WEEKDAYS[d.getUTCDay()], hhmm: `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`, minute };
}

/** zic's UNTIL field for an instant: "YYYY Mon D H:MM:SSu". */
function zicUntil(ms: number): string {
    const d = new Date(ms);
    const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
    return `${d.getUTCFullYear()} ${mon} ${d.getUTCDate()} ${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, "0")}:${String(d.getUTCSeconds()).padStart(2, "0")}u`;
}

/** An instant as zdump -v prints it: "Mon Dec  7 03:45:19 2026 UT". */
function zdumpUt(ms: number): string {
    const d = new Date(ms);
    const [day, , mon, , time] = d.toUTCString().split(" ");
    return `${day.slice(0, 3)} ${mon} ${String(d.getUTCDate()).padStart(2, " ")} ${time} ${d.getUTCFullYear()} UT`;
}

describe("a maintenance window across a clock change, in a running Alertmanager", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-dst-switch-"));
    const zoneinfo = path.join(dir, "zoneinfo");
    // The change comes 20 s ahead (on a whole second, as zic takes it), so the alerts before it are sent (and decided) well before.
    const change = Math.ceil((Date.now() + 20_000) / 1000) * 1000;
    // Springs forward: UTC+0 before the change, UTC+1 after. Its window is the first 20 minutes of the wall clock after the change.
    const forward = wallClock(change, HOUR);
    // Falls back: UTC+1 before, UTC+0 after. Its window is the first 20 minutes of the wall clock after the change, too.
    const back = wallClock(change, 0);
    const windowOf = (w: { day: Weekday; hhmm: string; minute: number }, timeZone: string) => ({
        kind: "weekly" as const,
        days: [w.day],
        from: w.hhmm,
        to: wallClock(Date.UTC(2000, 0, 2) + Math.min(w.minute + 20, 1440) * MINUTE, 0).hhmm.replace(/^00:00$/, "24:00"),
        timeZone,
    });
    const owners: OwnedWindows[] = [
        { owner: { kind: "device", name: "fwd-before", site: "north" }, windows: [windowOf(forward, "Lab/Forward")] },
        { owner: { kind: "device", name: "fwd-after", site: "north" }, windows: [windowOf(forward, "Lab/Forward")] },
        { owner: { kind: "device", name: "back-before", site: "north" }, windows: [windowOf(back, "Lab/Back")] },
        { owner: { kind: "device", name: "back-after", site: "north" }, windows: [windowOf(back, "Lab/Back")] },
    ];
    const file = path.join(dir, "alertmanager.yml");
    const port = 19720;
    const hookPort = 19721;
    const received: string[] = [];
    let am: AlertmanagerProcess | undefined;
    let server: http.Server | undefined;

    const alert = (instance: string) => ({ labels: { alertname: "DeviceDown", job: "node", severity: "critical", instance, site: "north" }, startsAt: new Date().toISOString() });
    const notifiedSoon = async (want: number) => {
        for (let i = 0; i < 100 && received.length < want; i++) await sleep(100);
        await sleep(3_000);
    };

    beforeAll(async () => {
        fs.mkdirSync(zoneinfo);
        const source = path.join(dir, "lab.zi");
        fs.writeFileSync(source, [`Zone Lab/Forward 0:00 - LST ${zicUntil(change)}`, "\t\t1:00 - LDT", `Zone Lab/Back 1:00 - LDT ${zicUntil(change)}`, "\t\t0:00 - LST", ""].join("\n"));
        const zic = spawnSync("zic", ["-d", zoneinfo, source], { encoding: "utf8" });
        if (zic.status !== 0) throw new Error(`zic: ${zic.stderr}`);
        // Both zones change their offset at that instant, read back from the compiled files.
        for (const [zone, before, after] of [["Lab/Forward", 0, 3600], ["Lab/Back", 3600, 0]] as const) {
            const year = new Date(change).getUTCFullYear();
            const z = spawnSync("zdump", ["-v", "-c", `${year},${year + 1}`, path.join(zoneinfo, zone)], { encoding: "utf8" }).stdout;
            expect([zone, z]).toEqual([zone, expect.stringContaining(`${zdumpUt(change - 1000)} = `)]);
            expect(z.split("\n").find((l) => l.includes(`${zdumpUt(change - 1000)} = `))).toContain(`gmtoff=${before}`);
            expect(z.split("\n").find((l) => l.includes(`${zdumpUt(change)} = `))).toContain(`gmtoff=${after}`);
        }
        fs.writeFileSync(file, renderAlertmanagerConfig({ webhookUrl: `http://127.0.0.1:${hookPort}/hook` }, owners));
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                for (const a of (JSON.parse(body) as { alerts: { labels: Record<string, string> }[] }).alerts) received.push(a.labels.instance);
                res.end("ok");
            });
        });
        await new Promise<void>((resolve) => server!.listen(hookPort, "127.0.0.1", resolve));
        const config = load(fs.readFileSync(file, "utf8")) as { route: Record<string, unknown> };
        Object.assign(config.route, { group_wait: "1s", group_interval: "2s" });
        const running = path.join(dir, "running.yml");
        fs.writeFileSync(running, dump(config));
        am = new AlertmanagerProcess(running, path.join(dir, "data"), port, path.join(dir, "am.log"), { ZONEINFO: zoneinfo });
        await am.start();
    });
    afterAll(async () => {
        await am?.stop();
        await new Promise((resolve) => server?.close(resolve));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("is a file amtool accepts with the test's zones", () => {
        const r = spawnSync("amtool", ["check-config", file], { encoding: "utf8", env: { ...process.env, ZONEINFO: zoneinfo } });
        expect([r.status, r.stdout]).toEqual([0, expect.stringContaining("SUCCESS")]);
    });

    it("notifies the alerts sent before the change: the windows' wall-clock time has not come in either zone", async () => {
        expect(Date.now()).toBeLessThan(change - 5_000);
        expect(await am!.post([alert("fwd-before"), alert("back-before"), alert("no-window-before")])).toBe(200);
        await notifiedSoon(3);
        expect(Date.now()).toBeLessThan(change);
        expect([...new Set(received)].sort()).toEqual(["back-before", "fwd-before", "no-window-before"]);
    });

    it("mutes the alerts sent after the change in both zones, and still notifies a device with no window", async () => {
        while (Date.now() < change + 2_000) await sleep(200);
        received.length = 0;
        expect(await am!.post([alert("fwd-after"), alert("back-after"), alert("no-window-after")])).toBe(200);
        await notifiedSoon(1);
        expect([...new Set(received)].filter((i) => i.endsWith("-after")).sort()).toEqual(["no-window-after"]);
    });
});
