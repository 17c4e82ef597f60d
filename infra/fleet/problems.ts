import { UserError } from "../common";

/** One thing wrong (or worth a warning) in a fleet file, with the place a person must edit. */
export interface FleetProblem {
    readonly severity: "error" | "warning";
    /** The file as the user named it, so the message can be pasted into an editor's "go to". */
    readonly file: string;
    /** 1-based. */
    readonly line: number;
    /** 1-based. */
    readonly col: number;
    /** Where in the document, e.g. `devices[2].hostKey`; empty for the document itself. */
    readonly path: string;
    readonly message: string;
}

/** `endpoints.yaml:12:5: devices[2].hostKey <message>`; warnings say so, errors are the default. */
export function formatProblem(p: FleetProblem): string {
    const where = `${p.file}:${p.line}:${p.col}:`;
    const tag = p.severity === "warning" ? " warning:" : "";
    const subject = p.path ? ` ${p.path}` : "";
    return `${where}${tag}${subject} ${p.message}`;
}

export function byPosition(a: FleetProblem, b: FleetProblem): number {
    return a.line - b.line || a.col - b.col || a.message.localeCompare(b.message);
}

/** Thrown when a fleet cannot be used; carries every problem so callers can print them all. */
export class FleetError extends UserError {
    constructor(readonly problems: readonly FleetProblem[]) {
        super(
            `the fleet file has ${problems.filter((p) => p.severity === "error").length} error(s):\n` +
                problems.map(formatProblem).join("\n"),
        );
        this.name = "FleetError";
    }
}
