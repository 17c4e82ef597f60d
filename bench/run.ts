import * as fs from "fs";
import * as path from "path";
import { benchProvisioning } from "./provisioning";

/** `npm run bench`: measures, prints a table, writes bench/results.json. Never part of the tests. */
async function main(): Promise<void> {
    const results: Record<string, unknown> = { date: new Date().toISOString(), cpus: require("os").cpus().length };
    const log = (s: string) => console.error(s);

    const provisioning = await benchProvisioning([1, 10, 20], log);
    results.provisioning = provisioning;
    console.log("\nProvisioning on the lab (replayed device commands, parallel)");
    console.table(provisioning);

    const out = path.join(__dirname, "results.json");
    fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
    console.log(`results written to ${out}`);
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
