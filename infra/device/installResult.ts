/** The marker of the result line the device scripts print last (provisioners/node-exporter-*.sh, `result()`). */
export const RESULT_MARKER = "IIOTMON_RESULT";

/**
 * What a device script reported on its last `IIOTMON_RESULT key=value ...` line: `status` (ok or failed),
 * `reason` when it failed (e.g. checksum-mismatch), and the other fields it prints (version, arch,
 * changed, restarted, downloaded_bytes; removed and kept for an uninstall), all as printed.
 */
export interface InstallResult {
    /** The line as printed, e.g. `IIOTMON_RESULT device=wtg-01 status=ok version=1.9.1 ...`. */
    readonly line: string;
    /** "ok" or "failed" as the script printed it; "" when the line has no status. */
    readonly status: string;
    /** The device's name; absent when the bootstrap failed before the script ran (sudo asks for a password). */
    readonly device?: string;
    /** Why it failed, a short word (not-root, sudo-needs-password, port-in-use, ...). */
    readonly reason?: string;
    /** Every key=value field of the line, status and device included. */
    readonly fields: Readonly<Record<string, string>>;
}

/** The result of a run that printed no result line (a script cut short); kept so an output always has a value. */
export const NO_INSTALL_RESULT: InstallResult = { line: "", status: "", fields: {} };

/** The last IIOTMON_RESULT line of a script's output, parsed; undefined when there is none. */
export function parseInstallResult(stdout: string): InstallResult | undefined {
    const line = stdout.split("\n").filter((l) => l.startsWith(`${RESULT_MARKER} `) || l === RESULT_MARKER).pop();
    if (line === undefined) return undefined;
    const fields: Record<string, string> = {};
    for (const kv of line.split(" ").slice(1)) {
        const eq = kv.indexOf("=");
        if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return {
        line,
        status: fields.status ?? "",
        ...(fields.device !== undefined ? { device: fields.device } : {}),
        ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
        fields,
    };
}
