import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../harness";

/**
 * The launcher behind `npm run fleet|lab|bench` (infra/cli/launch.js), on a small project of its own:
 * the same launcher, tsconfig and node_modules, one entry point and one module it imports.
 */
describe("commands start from the compiled build, never from a stale one", () => {
    let dir: string;
    const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    };
    const greeting = (word: string) => `export const GREETING = "${word}";\n`;
    /** The command as a user types it; `terminal` runs it under a pseudo-terminal, as in a shell. */
    const hello = (terminal = false) => {
        const cmd = [process.execPath, "infra/cli/launch.js", "infra/cli/hello.ts", "world"];
        const r = terminal
            ? spawnSync("script", ["-qec", cmd.join(" "), "/dev/null"], { cwd: dir, encoding: "utf8" })
            : spawnSync(cmd[0], cmd.slice(1), { cwd: dir, encoding: "utf8" });
        return { code: r.status, stdout: r.stdout.replace(/\r/g, ""), stderr: r.stderr };
    };
    const build = () => spawnSync(process.execPath, ["infra/cli/launch.js", "--build"], { cwd: dir, encoding: "utf8" });

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "launch-"));
        fs.mkdirSync(path.join(dir, "infra", "cli"), { recursive: true });
        fs.copyFileSync(path.join(ROOT, "infra", "cli", "launch.js"), path.join(dir, "infra", "cli", "launch.js"));
        fs.copyFileSync(path.join(ROOT, "tsconfig.build.json"), path.join(dir, "tsconfig.build.json"));
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true, types: ["node"], outDir: "bin" }, include: ["infra/**/*.ts", "test/**/*.ts"] }));
        write("package.json", JSON.stringify({ name: "launch-test", private: true }));
        write("infra/common/greeting.ts", greeting("hello"));
        write("infra/cli/hello.ts", 'import * as path from "path";\nimport { GREETING } from "../common/greeting";\nif (require.main === module) console.log(`${GREETING} ${process.argv[2]} from ${path.extname(__filename)}`);\n');
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("without a build, runs the sources through ts-node (and says so at a terminal only)", () => {
        expect(hello()).toEqual({ code: 0, stdout: "hello world from .ts\n", stderr: "" });
        expect(hello(true).stdout).toContain("(no complete build in bin/: running from the sources through ts-node; `npm run build` makes commands start fast again)\nhello world from .ts\n");
    });

    it("after a build, runs the compiled JavaScript with the command's arguments", () => {
        expect(build().status).toBe(0);
        expect(hello()).toEqual({ code: 0, stdout: "hello world from .js\n", stderr: "" });
        expect(hello(true).stdout).toBe("hello world from .js\n");
    });

    it("an edited source runs as edited, not as it was compiled, until the next build", () => {
        write("infra/common/greeting.ts", greeting("edited"));
        expect(hello()).toEqual({ code: 0, stdout: "edited world from .ts\n", stderr: "" });
        expect(hello(true).stdout).toContain("(infra/common/greeting.ts changed after the last build: running from the sources");
        expect(build().status).toBe(0);
        expect(hello().stdout).toBe("edited world from .js\n");
    });

    it("a module added after the build, and the edit that imports it, run from the sources", () => {
        write("infra/common/extra.ts", 'export const EXTRA = "and more";\n');
        write("infra/cli/hello.ts", fs.readFileSync(path.join(dir, "infra/cli/hello.ts"), "utf8").replace("${GREETING}", "${GREETING} ${EXTRA}").replace('import * as path from "path";', 'import * as path from "path";\nimport { EXTRA } from "../common/extra";'));
        expect(hello().stdout).toBe("edited and more world from .ts\n");
        expect(build().status).toBe(0);
        expect(hello().stdout).toBe("edited and more world from .js\n");
    });

    it("a test file added after the build leaves it fresh: tests are not compiled", () => {
        write("test/some.test.ts", "export {};\n");
        expect(hello().stdout).toBe("edited and more world from .js\n");
    });

    it("a failing build says so, and commands then run the sources, never the half-built output", () => {
        write("infra/common/greeting.ts", "export const GREETING: number = \"broken\";\n");
        const r = build();
        expect(r.status).toBe(1);
        expect(r.stdout).toContain("infra/common/greeting.ts");
        expect(r.stderr).toContain("build: tsc failed (above); until it succeeds, commands run from the sources through ts-node");
        expect(hello()).toEqual({ code: 0, stdout: "broken and more world from .ts\n", stderr: "" });
        expect(hello(true).stdout).toContain("(no complete build in bin/: running from the sources");
    });
});
