import * as fs from "fs";
import * as path from "path";

/** The scripts that run on devices and on the monitoring host, and the pinned checksums beside them. */
export const PROVISIONERS_DIR = path.join(__dirname, "..", "..", "provisioners");

/** The text of a script in provisioners/, as it is sent to a device or written by cloud-init. */
export function provisionerScript(name: string): string {
    return fs.readFileSync(path.join(PROVISIONERS_DIR, name), "utf8");
}
