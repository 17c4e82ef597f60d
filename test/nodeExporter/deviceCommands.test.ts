import { spawnSync } from "child_process";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { collectorFlags, devicePayload, installCommand, renderWebConfig, uninstallCommand } from "../../infra/nodeExporter/deviceCommands";
import { shellQuote } from "../../infra/nodeExporter/shellQuote";
import { loadChecksums } from "../../infra/nodeExporterChecksums";
import { device, HEAD } from "../fleet/malformedCases";

const checksums = loadChecksums();
const fleet = parseFleet(HEAD + device("wtg-01", "10.0.0.1", "    nodeExporter:\n      collectors: {enable: [processes], disable: [wifi]}\n"), {
    file: "endpoints.yaml",
    checksums,
}).fleet!;
const dev = fleet.devices[0];

/** What sh makes of a quoted word: it must come back exactly. */
function echoThroughSh(word: string): string {
    return spawnSync("sh", ["-c", `printf %s ${shellQuote(word)}`], { encoding: "utf8" }).stdout;
}

describe("shell quoting", () => {
    it.each(["plain", "it's", "a b\tc", "$(reboot)", "`id`", "'\"'\"", "back\\slash", "new\nline", ""])("keeps %j literal", (w) => {
        expect(echoThroughSh(w)).toBe(w);
    });
});

describe("device commands", () => {
    it("passes the fleet's settings to the installer as arguments, with every arch's checksum for arch auto", () => {
        const cmd = installCommand(dev, checksums);
        expect(cmd).toContain("'arch=auto'");
        for (const arch of ["amd64", "arm64", "armv7", "armv6", "386"]) expect(cmd).toMatch(new RegExp(`${arch}=[0-9a-f]{64}`));
        expect(collectorFlags(dev)).toBe("--collector.processes --no-collector.wifi");
    });

    it("is valid sh as a whole, and runs the installer as root or through sudo -n only", () => {
        for (const cmd of [installCommand(dev, checksums), uninstallCommand(dev)]) {
            expect(spawnSync("dash", ["-n", "-c", cmd]).status).toBe(0);
            expect(cmd).toMatch(/^s='#!\/bin\/sh\n/);
            expect(cmd).toContain('sudo -n sh -c "$s"');
            expect(cmd).not.toMatch(/sudo -(?!n\b)|sudo sh/);
        }
    });

    it("frames the secret payload so the installer can read it back", () => {
        const payload = devicePayload({ webConfig: renderWebConfig("$2a$10$hash"), certPem: "CERT\n", keyPem: "KEY", scrapePassword: "pw" });
        expect(payload).toBe(
            "@@file web-config.yml\n# Managed by iiot-monitoring.\ntls_server_config:\n  cert_file: /etc/node_exporter/tls.crt\n  key_file: /etc/node_exporter/tls.key\n" +
                '  min_version: TLS12\nbasic_auth_users:\n  prometheus: "$2a$10$hash"\n' +
                "@@file tls.crt\nCERT\n@@file tls.key\nKEY\n@@password\npw\n@@end\n",
        );
    });
});
