import { readFleetFile } from "../fleet/loadFleet";
import { fleetTable } from "../fleet/fleetTable";
import { formatProblem } from "../fleet/problems";
import { loadChecksums } from "../nodeExporterChecksums";

const USAGE = `usage: npm run fleet -- <command> [fleet file]

commands:
  validate [path]   check the fleet file (default endpoints.yaml); exit 0 valid, 1 invalid
  list [path]       print the fleet as a table`;

/** Runs one command; returns the exit code so tests can call it without a process. */
export function runFleetCommand(args: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
    const [command, file = "endpoints.yaml", ...rest] = args;
    if (!command || rest.length || !["validate", "list"].includes(command)) {
        err(USAGE);
        return 2;
    }
    const result = readFleetFile(file, loadChecksums());
    for (const p of result.problems) err(formatProblem(p));
    if (!result.fleet) {
        const errors = result.problems.filter((p) => p.severity === "error").length;
        err(`${file}: invalid, ${errors} error(s)`);
        return 1;
    }
    if (command === "validate") {
        out(`${file}: valid, ${result.fleet.devices.length} device(s)`);
    } else {
        out(fleetTable(result.fleet));
    }
    return 0;
}

if (require.main === module) {
    process.exitCode = runFleetCommand(process.argv.slice(2), console.log, console.error);
}
