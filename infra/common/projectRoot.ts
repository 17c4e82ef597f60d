import * as fs from "fs";
import * as path from "path";

/**
 * The checkout's root, where provisioners/, dashboards/ and .lab/ are, whether this module runs from
 * its source (infra/common) or from the compiled copy in bin/infra/common that commands start from.
 */
export const PROJECT_ROOT = ((up: string) => (path.basename(up) === "bin" && fs.existsSync(path.join(up, "..", "Pulumi.yaml")) ? path.dirname(up) : up))(
    path.join(__dirname, "..", ".."),
);
