import { encodeLaunch, LAUNCH_PAYLOAD, shellQuote } from "../common";

/**
 * Runs a script on the monitoring host as root, with the script on stdin instead of in the command.
 * The command provider puts the whole command into the error of a failed run
 * (pulumi-command provider/pkg/provider/remote/commandOutputs.go:101,
 * `fmt.Errorf("%w: running %q:\n%s", err, cmd, stdouterrbuf.String())`), so a script in the command
 * would bury the failure's output under kilobytes of script. This launcher is a few hundred bytes: it
 * reads a launch (infra/common/payload.ts) of one script, copying the script's lines up to @@payload into
 * a private temporary file (the shell's `read` takes one line and no more, so the rest of stdin stays for
 * the script), and runs it with the remaining stdin. The device bootstrap reads the same framing, and
 * also picks one of several scripts and takes arguments, which the host's scripts do not need.
 */
export const HOST_SCRIPT_LAUNCHER = launcher("sudo -n sh -c");

/** The same launcher without sudo, as the tests run it. */
export function launcher(shell: string): string {
    const inner = [
        "s=$(mktemp /tmp/iiotmon-script.XXXXXX) || exit 1",
        `trap 'rm -f "$s"' EXIT`,
        `while IFS= read -r l && [ "$l" != ${LAUNCH_PAYLOAD} ]; do case $l in @@*) ;; *) printf '%s\\n' "$l";; esac; done >"$s"`,
        'sh "$s"',
    ].join("\n");
    return `${shell} ${shellQuote(inner)}`;
}

/** The stdin of HOST_SCRIPT_LAUNCHER: the script, then its own input (a payload). */
export function launcherStdin(script: string, input: string): string {
    return encodeLaunch({ host: script }, [], input);
}
