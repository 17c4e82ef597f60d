/**
 * The one framing of everything the stack sends a script on stdin: sections, each a header line
 * "@@NAME ARG..." followed by the section's text, line by line. A payload ends with "@@end"; a launch
 * (what the device bootstrap and the host launcher read) is the script sections, "@@args" with one
 * argument per line, then "@@payload", after which the rest of stdin is the script's own payload.
 * The shell side: provisioners/payload.sh reads a payload; the two launchers read a launch
 * (infra/device/deviceCommands.ts, infra/host/hostCommand.ts).
 */

/** One section: a name, words on the header line, and text (absent for a marker such as @@payload). */
export interface PayloadSection {
    readonly name: string;
    readonly args?: readonly string[];
    readonly text?: string;
}

export const PAYLOAD_END = "@@end";
/** The marker after which a launcher hands the rest of stdin to the script. */
export const LAUNCH_PAYLOAD = "@@payload";

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * The sections as text. Refuses what would break the frame: a name or header word with a space or
 * line break, and a text line that starts with "@@" (the reader would take it for a header and cut the
 * section short).
 */
export function encodeSections(sections: readonly PayloadSection[]): string {
    return sections
        .map((s) => {
            if (!NAME.test(s.name)) throw new Error(`payload section name ${JSON.stringify(s.name)} is not a lowercase word`);
            for (const a of s.args ?? []) {
                if (!/^\S+$/.test(a)) throw new Error(`payload section @@${s.name}: header word ${JSON.stringify(a)} is empty or has a space or line break`);
            }
            const header = ["@@" + s.name, ...(s.args ?? [])].join(" ") + "\n";
            if (s.text === undefined) return header;
            const text = s.text.endsWith("\n") ? s.text : s.text + "\n";
            const bad = text.split("\n").findIndex((l) => l.startsWith("@@"));
            if (bad >= 0) throw new Error(`payload section @@${[s.name, ...(s.args ?? [])].join(" ")}: line ${bad + 1} starts with @@, which would end the section`);
            return header + text;
        })
        .join("");
}

/** A payload: the sections, then @@end. */
export function encodePayload(sections: readonly PayloadSection[]): string {
    return encodeSections(sections) + PAYLOAD_END + "\n";
}

/**
 * A launch: the scripts by name (a launcher runs the one it names), their arguments, then the
 * payload (already encoded) that the script reads from the rest of stdin.
 */
export function encodeLaunch(scripts: Readonly<Record<string, string>>, args: readonly string[], payload: string): string {
    for (const a of args) if (a.includes("\n")) throw new Error(`argument ${JSON.stringify(a)} has a line break`);
    const argText = args.map((a) => a + "\n").join("");
    return (
        encodeSections([
            ...Object.entries(scripts).map(([name, text]) => ({ name: "script", args: [name], text })),
            ...(args.length ? [{ name: "args", text: argText }] : [{ name: "args" }]),
            { name: LAUNCH_PAYLOAD.slice(2) },
        ]) + payload
    );
}
