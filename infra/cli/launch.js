// @ts-check
"use strict";
/**
 * Starts a command of the project (`npm run fleet`, `npm run lab`, `npm run bench`) from the JavaScript
 * that `npm run build` (and `npm ci`, through `prepare`) compiled into bin/, because transpiling the tree
 * with ts-node costs about a second on every start. A source edited, added or removed since that build
 * must never run as its old compiled self: the command then runs from the sources through ts-node and
 * says so on stderr when that is a terminal. Plain JavaScript, as it runs before anything is compiled.
 *
 *   node infra/cli/launch.js infra/cli/fleet.ts validate     run a command
 *   node infra/cli/launch.js --build                          compile into bin/ (npm run build)
 */
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..", "..");
/** What the build compiles; a change in these makes the build stale. Tests (*.test.ts) are not compiled. */
const SOURCE_DIRS = ["infra", "components", "lab", "bench", "test"];
const BUILD_INPUTS = ["tsconfig.json", "tsconfig.build.json", "package.json"];
const SKIPPED_DIRS = new Set(["node_modules", "scratch"]);
const STAMP = ".built";

/**
 * The first source (or build setting) changed after the build started, or why there is no usable build;
 * undefined when bin/ is up to date. Folders' times do not count: a module added or removed matters only
 * to a module that imports it, and that one changed too; a new test file leaves the build fresh.
 * @param {string} root
 * @returns {string | undefined}
 */
function staleReason(root) {
    let builtAt;
    try {
        builtAt = fs.statSync(path.join(root, "bin", STAMP)).mtimeMs;
    } catch {
        return "no complete build in bin/";
    }
    /** @param {string} rel @returns {string | undefined} */
    const newer = (rel) => {
        const full = path.join(root, rel);
        let st;
        try {
            st = fs.statSync(full);
        } catch {
            return undefined;
        }
        if (!st.isDirectory()) return st.mtimeMs > builtAt ? rel : undefined;
        for (const e of fs.readdirSync(full, { withFileTypes: true })) {
            if (e.isDirectory() ? SKIPPED_DIRS.has(e.name) : !e.name.endsWith(".ts") || e.name.endsWith(".test.ts")) continue;
            const found = newer(path.join(rel, e.name));
            if (found) return found;
        }
        return undefined;
    };
    for (const rel of [...BUILD_INPUTS, ...SOURCE_DIRS]) {
        const found = newer(rel);
        if (found) return `${found} changed after the last build`;
    }
    return undefined;
}

/**
 * Compiles into bin/. The stamp carries the time the build started, so an edit made while tsc runs
 * still counts as newer; it is written only when tsc succeeds.
 * @param {string} root
 * @returns {number} the exit code
 */
function build(root) {
    const started = new Date();
    const stamp = path.join(root, "bin", STAMP);
    fs.rmSync(stamp, { force: true });
    const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
    const result = require("child_process").spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) {
        console.error("build: tsc failed (above); until it succeeds, commands run from the sources through ts-node");
        return 1;
    }
    fs.writeFileSync(stamp, `built from the sources as of ${started.toISOString()}\n`);
    fs.utimesSync(stamp, started, started);
    return 0;
}

/**
 * Runs `entry` (a .ts path relative to the root) as the main module with `args`, compiled when fresh.
 * @param {string} root
 * @param {string} entry
 * @param {readonly string[]} args
 */
function launch(root, entry, args) {
    const reason = staleReason(root);
    let main;
    if (reason === undefined) {
        main = path.join(root, "bin", entry.replace(/\.ts$/, ".js"));
    } else {
        // Said to a person at a terminal; a pipe (a hook, a test, a script parsing stderr) gets the command's own output only.
        if (process.stderr.isTTY) console.error(`(${reason}: running from the sources through ts-node; \`npm run build\` makes commands start fast again)`);
        require(require.resolve("ts-node", { paths: [root] })).register({ transpileOnly: true });
        main = path.join(root, entry);
    }
    process.argv = [process.argv[0], main, ...args];
    // As `node main args` would: the entry's `require.main === module` holds.
    require("module").runMain(main);
}

module.exports = { staleReason, build, launch };

if (require.main === module) {
    const [first, ...rest] = process.argv.slice(2);
    if (first === "--build") process.exitCode = build(ROOT);
    else if (first && first.endsWith(".ts")) launch(ROOT, first, rest);
    else {
        console.error("usage: node infra/cli/launch.js (--build | ENTRY.ts [args...])");
        process.exitCode = 2;
    }
}
