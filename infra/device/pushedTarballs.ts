import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Device, ChecksumTable } from "../fleet";
import { UserError } from "../common";

/**
 * Finds the release tarball a "push" device needs on the deployer's machine and checks it against the
 * pinned checksum before anything is sent, so a wrong file fails the preview, not the device.
 * Each file is hashed once however many devices share it.
 */
export class PushedTarballs {
    private readonly verified = new Map<string, string | UserError>();

    constructor(
        private readonly dir: string,
        private readonly checksums: ChecksumTable,
    ) {}

    pathFor(device: Device): string {
        const { version } = device.nodeExporter;
        const file = path.join(this.dir, `node_exporter-${version}.linux-${device.arch}.tar.gz`);
        let outcome = this.verified.get(file);
        if (outcome === undefined) {
            outcome = this.check(file, this.checksums.get(version)?.get(device.arch as never));
            this.verified.set(file, outcome);
        }
        if (outcome instanceof UserError) throw new UserError(`device ${device.name} (source: push): ${outcome.message}`);
        return outcome;
    }

    private check(file: string, expected: string | undefined): string | UserError {
        if (!fs.existsSync(file)) {
            return new UserError(`${file} is missing; download the release tarball on a machine with internet access and put it there`);
        }
        const actual = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        if (actual !== expected) return new UserError(`${file} has sha256 ${actual}, but the pinned checksum is ${expected}; nothing was sent`);
        return file;
    }
}
