import { shellQuote } from "../common";

/** The line that ends the script on a host command's stdin; what follows is the script's own input. */
export const SCRIPT_END = "@@script-end";

/**
 * Runs a script on the monitoring host as root, with the script on stdin instead of in the command.
 * The command provider puts the whole command into the error of a failed run
 * (pulumi-command provider/pkg/provider/remote/commandOutputs.go:101,
 * `fmt.Errorf("%w: running %q:\n%s", err, cmd, stdouterrbuf.String())`), so a script in the command
 * would bury the failure's output under kilobytes of script. This launcher is a few hundred bytes:
 * it copies stdin up to SCRIPT_END into a private temporary file (the shell's `read` takes one line and
 * no more, so the rest of stdin stays for the script) and runs it with the remaining stdin.
 */
export const HOST_SCRIPT_LAUNCHER = launcher("sudo -n sh -c");

/** The same launcher without sudo, as the tests run it. */
export function launcher(shell: string): string {
    const inner = [
        "s=$(mktemp /tmp/iiotmon-script.XXXXXX) || exit 1",
        `trap 'rm -f "$s"' EXIT`,
        `while IFS= read -r l; do [ "$l" = ${SCRIPT_END} ] && break; printf '%s\\n' "$l"; done >"$s"`,
        'sh "$s"',
    ].join("\n");
    return `${shell} ${shellQuote(inner)}`;
}

/** The stdin of HOST_SCRIPT_LAUNCHER: the script, its end marker, then the script's own input. */
export function launcherStdin(script: string, input: string): string {
    return `${script.endsWith("\n") ? script : script + "\n"}${SCRIPT_END}\n${input}`;
}
