import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../helpers/pulumiMocks";

/** Runs `npm run fleet -- ...` exactly as a person or CI would. */
function fleet(...args: string[]) {
    const r = spawnSync("npm", ["run", "-s", "fleet", "--", ...args], { cwd: ROOT, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run fleet", () => {
    let dir: string;
    beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-cli-"))));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("validates the shipped fleet with exit code 0", () => {
        const r = fleet("validate");
        expect(r).toMatchObject({ code: 0, stdout: "endpoints.yaml: valid, 9 device(s)\n", stderr: "" });
    });

    it("rejects a broken fleet with exit code 1 and every error on stderr", () => {
        const file = path.join(dir, "endpoints.yaml");
        const text = fs.readFileSync(path.join(ROOT, "endpoints.yaml"), "utf8")
            .replace("address: 192.0.2.12", "address: 192.0.2.11")
            .replace("site: nhv-onshore\n    arch: armv7", "site: nhv-onshor\n    arch: armv7");
        fs.writeFileSync(file, text);
        const r = fleet("validate", file);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr.split("\n")).toEqual([
            `${file}:53:14: devices[1].address 192.0.2.11:22 is also the address of devices[0] "onshore-scada-gw-01" (line 45); each device needs its own address and port`,
            `${file}:70:11: devices[3].site "nhv-onshor" is not a site defined under sites: (did you mean "nhv-onshore"?); sites are: nhv-onshore, nhv-offshore`,
            `${file}: invalid, 2 error(s)`,
            "",
        ]);
    });

    it("says so when the file does not exist", () => {
        const r = fleet("validate", path.join(dir, "nope.yaml"));
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("nope.yaml:1:1: the fleet file does not exist");
    });

    it("lists the fleet as a table", () => {
        const r = fleet("list");
        expect(r.code).toBe(0);
        const lines = r.stdout.trim().split("\n");
        expect(lines[0].split(/\s{2,}/)).toEqual(["DEVICE", "ADDRESS", "SITE", "REGION", "ARCH", "LABELS"]);
        expect(lines).toContainEqual(expect.stringMatching(/^wtg-a01-ctrl\s+10\.40\.1\.11 \(via 198\.51\.100\.20\)\s+nhv-offshore\s+uk-north-sea\s+arm64\s+env=production,facility=offshore-substation,operator=north-haven-wind,role=turbine-controller,string=a$/));
        expect(lines[lines.length - 1]).toBe("9 device(s) in 2 site(s)");
    });

    it("prints usage with exit code 2 for an unknown command", () => {
        const r = fleet("frobnicate");
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^usage: npm run fleet/);
    });
});
