import { spawnSync } from "child_process";
import { ROOT } from "../harness";

/**
 * `fleet validate` runs in editors, pre-commit hooks and every PR check, so it must start fast: loading
 * @pulumi/pulumi alone costs about a second. Checked on what a real run loads (require.cache), in a
 * process of its own, from the sources.
 */
describe("fleet validate loads no Pulumi SDK and no provider", () => {
    it("validates the shipped fleet with nothing of @pulumi/* in the module cache", () => {
        const script = `
            const { runFleetCommand } = require("./infra/cli/fleet.ts");
            const lines = [];
            const code = runFleetCommand(["validate", "endpoints.yaml"], (s) => lines.push(s), (s) => lines.push(s));
            console.log(JSON.stringify({ code, lines, modules: Object.keys(require.cache) }));`;
        const r = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "-e", script], { cwd: ROOT, encoding: "utf8" });
        expect(r.stderr).toBe("");
        const { code, lines, modules } = JSON.parse(r.stdout) as { code: number; lines: string[]; modules: string[] };
        expect({ code, lines }).toEqual({ code: 0, lines: ["endpoints.yaml: valid, 9 device(s)"] });
        // The run read the fleet model for real (so the cache is the one of a validation)...
        expect(modules.some((m) => m.endsWith("infra/fleet/parseFleet.ts"))).toBe(true);
        // ...and nothing of Pulumi, nor the host's renderers that only `render` needs.
        expect(modules.filter((m) => m.includes("/@pulumi/"))).toEqual([]);
        expect(modules.filter((m) => m.includes("/infra/host/"))).toEqual([]);
    });
});
