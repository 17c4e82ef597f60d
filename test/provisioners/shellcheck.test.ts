import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../harness";

const DIR = path.join(ROOT, "provisioners");
const scripts = fs.readdirSync(DIR).filter((f) => f.endsWith(".sh"));

describe("provisioner scripts", () => {
    it("exist", () => expect(scripts).toEqual(expect.arrayContaining(["node-exporter-install.sh", "node-exporter-uninstall.sh"])));

    it.each(scripts)("%s is shellcheck-clean as POSIX sh", (script) => {
        const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", path.join(DIR, script)], { encoding: "utf8" });
        expect(r.error).toBeUndefined();
        expect(r.stdout).toBe("");
        expect(r.status).toBe(0);
    });

    it.each(scripts)("%s parses under dash, the POSIX sh of Debian devices", (script) => {
        const r = spawnSync("dash", ["-n", path.join(DIR, script)], { encoding: "utf8" });
        expect([r.status, r.stderr]).toEqual([0, ""]);
    });
});
