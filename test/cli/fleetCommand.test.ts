import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../harness";

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
            `${file}:58:14: devices[1].address 192.0.2.11:22 is also the address of devices[0] "onshore-scada-gw-01" (line 50); each device needs its own address and port`,
            `${file}:75:11: devices[3].site "nhv-onshor" is not a site defined under sites: (did you mean "nhv-onshore"?); sites are: nhv-onshore, nhv-offshore`,
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
        expect(lines[0].split(/\s{2,}/)).toEqual(["DEVICE", "ADDRESS", "SITE", "REGION", "ARCH", "SCRAPED BY", "LABELS"]);
        expect(lines).toContainEqual(expect.stringMatching(/^wtg-a01-ctrl\s+10\.40\.1\.11 \(via 198\.51\.100\.20\)\s+nhv-offshore\s+uk-north-sea\s+arm64\s+collector osp-gw-01\s+env=production,facility=offshore-substation,operator=north-haven-wind,role=turbine-controller,string=a$/));
        expect(lines.slice(-3)).toEqual(["9 device(s) in 2 site(s)", "site nhv-onshore: scraped by monitoring host", "site nhv-offshore: scraped by collector osp-gw-01 (outage budget 6 h)"]);
    });

    it("prints usage with exit code 2 for an unknown command", () => {
        const r = fleet("frobnicate");
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^usage: npm run fleet/);
    });
});

describe("npm run fleet -- diff, against git", () => {
    let repo: string;
    const run = (...args: string[]) => {
        const r = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "infra/cli/fleet.ts"), ...args], {
            cwd: repo,
            encoding: "utf8",
            env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
        });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const git = (...args: string[]) => spawnSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo, encoding: "utf8" });

    beforeAll(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-git-"));
        git("init", "-q", "-b", "main");
        fs.copyFileSync(path.join(ROOT, "endpoints.yaml"), path.join(repo, "endpoints.yaml"));
        git("add", "endpoints.yaml");
        git("commit", "-q", "-m", "fleet");
        git("checkout", "-q", "-b", "change");
    });
    afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("compares the working tree with the merge base of main by default", () => {
        const file = path.join(repo, "endpoints.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("address: 10.40.1.12", "address: 10.40.1.22"));
        const r = run("diff");
        expect([r.code, r.stderr]).toEqual([0, ""]);
        expect(r.stdout.split("\n").slice(0, 4)).toEqual([
            "1 moved; 1 device(s) touched (fleet: 9 -> 9)",
            "",
            "Moved (the same device reached differently: the installer re-runs there):",
            "  wtg-a02-ctrl (nhv-offshore): re-run the installer at iiotmon@10.40.1.22 (the same device reached differently); nothing is uninstalled through iiotmon@10.40.1.12",
        ]);
        expect(JSON.parse(run("diff", "--format", "json").stdout).totals).toEqual({ before: 9, after: 9, touched: 1 });
    });

    it("reports an invalid side with its validation errors, not a stack trace", () => {
        const file = path.join(repo, "endpoints.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("arch: arm64", "arch: aarch64"));
        const r = run("diff", "--base", "main");
        expect(r.code).toBe(1);
        expect(r.stderr.split("\n").slice(0, 2)).toEqual([
            "the working tree: invalid fleet",
            'endpoints.yaml:94:11: devices[5].arch "aarch64" is not a supported arch; use one of auto, amd64, arm64, armv7, armv6, 386',
        ]);
        expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    });

    it("says so for an unknown ref", () => {
        const r = run("diff", "--base", "no-such-branch");
        expect([r.code, r.stderr.trim()]).toEqual([2, 'fleet diff: unknown git ref "no-such-branch"']);
    });
});
