import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./projectRoot";

/** The scripts that run on devices and on the monitoring host, and the pinned checksums beside them. */
export const PROVISIONERS_DIR = path.join(PROJECT_ROOT, "provisioners");

/**
 * A script's line that sources a shared part from provisioners/ (e.g. payload.sh, the payload reader).
 * A script travels alone on stdin, so the line is replaced by the part's text before it is sent.
 */
const INCLUDE = /^\. "\$\(dirname "\$0"\)\/([a-z][a-z0-9-]*\.sh)"$/gm;

/** The text of a script in provisioners/, as it is sent to a device or the host: shared parts inlined. */
export function provisionerScript(name: string): string {
    const text = fs.readFileSync(path.join(PROVISIONERS_DIR, name), "utf8");
    return text.replace(INCLUDE, (_line, part: string) => {
        const body = fs.readFileSync(path.join(PROVISIONERS_DIR, part), "utf8").replace(/^#!.*\n/, "");
        return body.endsWith("\n") ? body.slice(0, -1) : body;
    });
}
