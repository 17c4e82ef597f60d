import { shellQuote } from "../nodeExporter/shellQuote";

/**
 * A shell command that replaces `file` with its stdin atomically (write beside it, then rename), so a
 * watcher such as Prometheus' file_sd never reads a half-written file.
 */
export function atomicWriteCommand(file: string, mode = "0644"): string {
    const f = shellQuote(file);
    const tmp = shellQuote(`${file}.iiotmon-tmp`);
    return `set -e; umask 022; cat > ${tmp}; chmod ${mode} ${tmp}; mv -f ${tmp} ${f}`;
}
