import { spawnSync } from "child_process";
import { execOnDevice, LabDeviceRecord } from "../../lab/labDevice";
import { LabSuite, outcomeOf } from "../../lab/labSuite";
import { netnsName } from "../../lab/network";
import { BRIDGE_IP } from "../../lab/paths";
import { sleep } from "../../lab/exec";
import { deviceResourceNames, STACK_RESOURCES } from "../../infra/program/stack";
import { Lab } from "../../lab/lab";

/**
 * `npm run lab -- apply` with a site collector: the program under mocks declares the collector's
 * Command for the site as `pulumi up` would, the lab runs it over SSH on the collector device (the lab's
 * Prometheus release from the lab mirror, pinned by its checksum), and the collector scrapes the site's
 * devices into its own TSDB; taken out of the file, it is uninstalled and node_exporter stays.
 */
jest.setTimeout(600_000);

const AGENT = STACK_RESOURCES.collector("lab-site").agent;

describe("npm run lab applies site collectors", () => {
    const suite = new LabSuite("collector-apply");
    let lab: Lab;
    let gw: LabDeviceRecord;
    let dev: LabDeviceRecord;

    const units = () => execOnDevice(gw, "systemctl is-active prometheus-agent prometheus-agent-backfill node_exporter || true").trim().split("\n");
    /** What the collector's own Prometheus answers on its loopback (in the device's namespace). */
    const localQuery = (query: string): { metric: Record<string, string> }[] => {
        const r = spawnSync("ip", ["netns", "exec", netnsName(gw.name), "curl", "-fsS", "--max-time", "10", "--data-urlencode", `query=${query}`, "http://127.0.0.1:9095/api/v1/query"], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`the collector's query API: ${r.stderr}`);
        return (JSON.parse(r.stdout) as { data: { result: { metric: Record<string, string> }[] } }).data.result;
    };

    beforeAll(async () => {
        lab = await suite.setUp();
        gw = await lab.start("lab-col-gw", 85);
        dev = await lab.start("lab-col-dev", 86);
    });

    afterAll(() => suite.tearDown());

    /** Applies the site's two devices, with or without gw as the site's collector; 5 s scrapes so the test waits little. */
    const applyFleet = (withCollector: boolean) =>
        lab.apply(suite.writeFleet([{ record: gw }, { record: dev }], withCollector ? { siteCollector: gw.name } : {}, withCollector ? "with-collector" : "without-collector"), { settings: { scrapeIntervalSeconds: "5" } });

    it("installs the collector on the device the site names, and it scrapes every device of the site", async () => {
        const { outcomes } = await applyFleet(true);
        expect(outcomes.filter((o) => !o.ok).map((o) => o.error)).toEqual([]);
        const agent = outcomeOf(outcomes, AGENT);
        expect(agent.action).toBe("create");
        expect(agent.result?.fields).toMatchObject({ device: gw.name, status: "ok", version: "2.42.0-lab.2" });
        expect(units()).toEqual(["active", "active", "active"]);

        // The collector's targets are the site's devices, with the fleet's labels, scraped over the stack's TLS and password.
        let up: { metric: Record<string, string> }[] = [];
        for (let i = 0; i < 60 && up.length < 2; i++) {
            up = localQuery('up{job="node"} == 1');
            if (up.length < 2) await sleep(1000);
        }
        expect(up.map((s) => s.metric.instance).sort()).toEqual([dev.name, gw.name].sort());
        expect(up.every((s) => s.metric.site === "lab-site" && s.metric.env === "lab")).toBe(true);
        // It sends to the lab's "monitoring host", the bridge's address: nothing leaves the lab.
        expect(execOnDevice(gw, "grep -o 'https://[^/]*/api/v1/write' /etc/prometheus-agent/prometheus.yml").trim()).toMatch(new RegExp(`^https://${BRIDGE_IP.replace(/\./g, "\\.")}:\\d+/api/v1/write$`));
    });

    it("a second apply of the same file leaves the collector as it is", async () => {
        const { outcomes } = await applyFleet(true);
        expect(outcomeOf(outcomes, AGENT).action).toBe("unchanged");
        expect(outcomes.every((o) => o.ok && o.action === "unchanged")).toBe(true);
    });

    it("taken out of the file, the collector is uninstalled and the device keeps its node_exporter", async () => {
        const { outcomes } = await applyFleet(false);
        expect(outcomes.filter((o) => !o.ok).map((o) => o.error)).toEqual([]);
        expect(outcomeOf(outcomes, AGENT).action).toBe("delete");
        expect(outcomeOf(outcomes, deviceResourceNames(gw.name).install).action).toBe("unchanged");
        expect(units()).toEqual(["inactive", "inactive", "active"]);
        expect(execOnDevice(gw, "test -e /etc/systemd/system/prometheus-agent.service && echo present || echo gone").trim()).toBe("gone");
    });
});
