import * as fs from "fs";
import { ChecksumTable, Fleet } from "./types";
import { FleetParseResult, parseFleet } from "./parseFleet";
import { FleetError, formatProblem } from "./problems";

/** Reads a fleet file; a missing or unreadable file is reported like any other problem. */
export function readFleetFile(file: string, checksums: ChecksumTable): FleetParseResult {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(e as Error).message})`;
        return { problems: [{ severity: "error", file, line: 1, col: 1, path: "", message: `the fleet file ${reason}` }] };
    }
    return parseFleet(text, { file, checksums });
}

/** The fleet, or a FleetError listing every problem; warnings go to `onWarning`. */
export function loadFleet(file: string, checksums: ChecksumTable, onWarning: (message: string) => void = () => {}): Fleet {
    const result = readFleetFile(file, checksums);
    if (!result.fleet) throw new FleetError(result.problems);
    result.problems.filter((p) => p.severity === "warning").forEach((p) => onWarning(formatProblem(p)));
    return result.fleet;
}
