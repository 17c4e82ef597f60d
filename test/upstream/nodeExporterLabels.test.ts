import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NODE_EXPORTER_LABELS, NODE_EXPORTER_LABELS_VERSION } from "../../infra/fleet/nodeExporterLabels";
import { DEFAULT_NODE_EXPORTER_VERSION } from "../../infra/fleet/resolveDevices";
import { isAlive, sleep } from "../../lab/exec";
import { extractCollectorLabels } from "./extractCollectorLabels";

/**
 * The list of node_exporter's label names (infra/fleet/nodeExporterLabels.ts) is generated from the
 * collector sources of the release we pin; how is shown here on a collector written like node_exporter's,
 * and the list is checked against what a real node_exporter (Debian's) puts on its series on this machine
 * with every collector it has switched on.
 */
jest.setTimeout(60_000);

describe("node_exporter's label names", () => {
    it("come from the release devices get by default, whose checksums are pinned", () => {
        const pinned = fs.readFileSync(path.join(__dirname, "..", "..", "provisioners", "node-exporter.sha256sums"), "utf8");
        expect(NODE_EXPORTER_LABELS_VERSION).toBe(DEFAULT_NODE_EXPORTER_VERSION);
        expect(pinned).toContain(`node_exporter-${NODE_EXPORTER_LABELS_VERSION}.linux-amd64.tar.gz`);
    });

    it("are extracted from NewDesc calls: literals, variables, constants, appends and map-key loops", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "collector-"));
        fs.mkdirSync(path.join(dir, "collector"));
        // Shaped like collector/diskstats_linux.go, dmi.go, ipvs_linux.go and mdadm_linux.go, in our words.
        fs.writeFileSync(
            path.join(dir, "collector", "example_linux.go"),
            `package collector
const labelPort = "port"
var diskLabels = []string{"device", labelPort}
func a() {
	prometheus.NewDesc("node_a", "help", []string{"mountpoint", "fstype"}, nil)
	prometheus.NewDesc("node_b", "help", diskLabels, prometheus.Labels{"state": "active"})
	var keys []string
	for key, value := range map[string]string{"bios_vendor": x, "board_name": y} {
		keys = append(keys, key)
	}
	prometheus.NewDesc("node_c", "help", keys, nil)
	prometheus.NewDesc("node_d", "help", c.fromAFlag, nil)
	_ = []string{"not_a_label"}
}
`,
        );
        fs.writeFileSync(path.join(dir, "collector", "example_linux_test.go"), 'package collector\nfunc t() { prometheus.NewDesc("x", "h", []string{"from_a_test"}, nil) }\n');
        try {
            expect(extractCollectorLabels(dir)).toEqual({
                labels: {
                    bios_vendor: ["collector/example_linux.go"],
                    board_name: ["collector/example_linux.go"],
                    device: ["collector/example_linux.go"],
                    fstype: ["collector/example_linux.go"],
                    mountpoint: ["collector/example_linux.go"],
                    port: ["collector/example_linux.go"],
                    state: ["collector/example_linux.go"],
                },
                unresolved: ["collector/example_linux.go: c.fromAFlag"],
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("compared with a running node_exporter", () => {
        const port = 19111;
        let pid: number | undefined;
        let exposition = "";

        beforeAll(async () => {
            const help = spawnSync("/usr/bin/prometheus-node-exporter", ["--help"], { encoding: "utf8" });
            // Every collector this build has, except those that talk to other daemons (ntp, runit,
            // supervisord) or need perf events.
            const collectors = [...`${help.stdout}${help.stderr}`.matchAll(/--collector\.([a-z_]+)\s+Enable the/g)].map((m) => m[1]).filter((c) => !["ntp", "runit", "supervisord", "perf", "textfile"].includes(c));
            expect(collectors.length).toBeGreaterThan(50);
            const child = spawn("/usr/bin/prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${port}`, ...collectors.map((c) => `--collector.${c}`)], { detached: true, stdio: "ignore" });
            pid = child.pid;
            child.unref();
            for (let i = 0; i < 100 && !exposition; i++) {
                try {
                    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
                    if (r.ok) exposition = await r.text();
                } catch {
                    await sleep(100);
                }
            }
        });
        afterAll(() => {
            if (pid && isAlive(pid)) process.kill(pid, "SIGTERM");
        });

        it("puts no label on its series that the list lacks", () => {
            const names = new Set<string>();
            for (const line of exposition.split("\n")) {
                const braces = /^[a-zA-Z_:][\w:]*\{(.*)\}\s/.exec(line);
                if (!braces) continue;
                for (const m of braces[1].matchAll(/([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*"/g)) names.add(m[1]);
            }
            // The usual suspects are there, so the scrape did run the collectors.
            expect([...names]).toEqual(expect.arrayContaining(["device", "mountpoint", "fstype", "cpu", "mode", "nodename", "collector"]));
            expect([...names].filter((n) => !(n in NODE_EXPORTER_LABELS)).sort()).toEqual([]);
        });
    });
});
