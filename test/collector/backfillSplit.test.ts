import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * The back-filler's conversion of `promtool tsdb dump` lines into exposition text per job, run as the
 * device runs it (the function cut out of provisioners/prometheus-collector-backfill.sh, under sh and
 * the machine's awk), on lines in the format Debian's promtool 2.42 prints.
 */
const SCRIPT = fs.readFileSync(path.join(__dirname, "..", "..", "provisioners", "prometheus-collector-backfill.sh"), "utf8");
const FUNCTION = /^split_by_job\(\) \{\n[\s\S]*?^\}\n/m.exec(SCRIPT)![0];

function split(dump: string): { jobs: string; counts: string; files: Record<string, string> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backfill-split-"));
    try {
        fs.writeFileSync(path.join(dir, "dump"), dump);
        const r = spawnSync("sh", ["-c", `${FUNCTION}\nsplit_by_job "$1" <"$1/dump"`, "sh", dir], { encoding: "utf8" });
        expect([r.status, r.stderr]).toEqual([0, ""]);
        const files: Record<string, string> = {};
        for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".prom"))) files[f] = fs.readFileSync(path.join(dir, f), "utf8");
        return { jobs: fs.readFileSync(path.join(dir, "jobs"), "utf8"), counts: fs.readFileSync(path.join(dir, "counts"), "utf8"), files };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the back-filler's dump-to-exposition conversion", () => {
    it("writes one file per job without the job label (promtool push renames a sample's own job), keeping timestamps, values and escapes", () => {
        const out = split(
            [
                `{__name__="up", instance="osp-dev-1", job="node", region="sea", site="offshore"} 1 1700000000000`,
                `{__name__="node_filesystem_avail_bytes", device="/dev/sda1", instance="a\\"b, c=\\"d", job="node", mountpoint="/"} 1.5e+09 1700000001000`,
                `{__name__="up", instance="osp-gw", job="collector"} 0 1700000002000`,
            ].join("\n") + "\n",
        );
        expect(out.jobs).toBe("1 node\n2 collector\n");
        expect(out.counts).toBe("3 0\n");
        expect(out.files["job-1.prom"]).toBe(
            `up{instance="osp-dev-1",region="sea",site="offshore"} 1 1700000000000\n` + `node_filesystem_avail_bytes{device="/dev/sda1",instance="a\\"b, c=\\"d",mountpoint="/"} 1.5e+09 1700000001000\n`,
        );
        expect(out.files["job-2.prom"]).toBe(`up{instance="osp-gw"} 0 1700000002000\n`);
    });

    it("leaves out NaN (stale markers) and counts the series whose labels text exposition cannot carry", () => {
        const out = split([`{__name__="up", instance="x", job="node"} NaN 1700000000000`, `{__name__="m", instance="tab\\there", job="node"} 2 1700000000000`, `{__name__="m", instance="ok", job="node"} 3 1700000000000`].join("\n") + "\n");
        expect(out.counts).toBe("1 1\n");
        expect(out.files["job-1.prom"]).toBe(`m{instance="ok"} 3 1700000000000\n`);
    });
});
