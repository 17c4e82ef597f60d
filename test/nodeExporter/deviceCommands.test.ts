import { spawnSync } from "child_process";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { collectorFlags, deviceCommand, devicePayload, deviceScriptArgs, deviceStdin, renderWebConfig } from "../../infra/device/deviceCommands";
import { provisionerScript } from "../../infra/common/provisionerScripts";
import { shellQuote } from "../../infra/common/shellQuote";
import { loadChecksums } from "../../infra/device/checksums";
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
        const args = deviceScriptArgs(dev, checksums, "dev/device-wtg-01-node-exporter");
        expect(args).toContain("arch=auto");
        expect(args).toContain("owner=dev/device-wtg-01-node-exporter");
        expect(args).toContain("take_over=no");
        const sums = args.find((a) => a.startsWith("checksums="))!;
        for (const arch of ["amd64", "arm64", "armv7", "armv6", "386"]) expect(sums).toMatch(new RegExp(`${arch}=[0-9a-f]{64}`));
        expect(collectorFlags(dev)).toBe("--collector.processes --no-collector.wifi");
    });

    it("is valid sh as a whole, and runs the installer as root or through sudo -n only", () => {
        for (const cmd of [deviceCommand("install"), deviceCommand("uninstall")]) {
            expect(spawnSync("dash", ["-n", "-c", cmd]).status).toBe(0);
            expect(spawnSync("busybox", ["sh", "-n", "-c", cmd]).status).toBe(0);
            expect(cmd).toContain('sudo -n sh -c "$b"');
            expect(cmd).not.toMatch(/sudo -(?!n\b)|sudo sh/);
        }
    });

    it("never carries a frame marker inside a script (it would cut the script short)", () => {
        for (const name of ["node-exporter-install.sh", "node-exporter-uninstall.sh"]) {
            expect(provisionerScript(name).split("\n").filter((l) => /^@@(script|args|payload)\b/.test(l))).toEqual([]);
        }
    });

    // The bootstrap runs under whatever /bin/sh the device has: Debian's dash, BusyBox ash on small devices.
    it.each(["dash", "busybox sh", "bash --posix"])("under %s, runs only the script it names, with its arguments, and leaves the rest of stdin to it", (shell) => {
        const frame =
            "@@script install\n#!/bin/sh\nprintf 'install [%s]' \"$@\"; echo; cat\n" +
            "@@script uninstall\n#!/bin/sh\necho uninstall\n" +
            "@@args\ndevice=wtg 01\ncollectors=--collector.a --no-collector.b\nit's\n@@payload\nSECRET-1\nSECRET-2\n";
        // starts: dash busybox bash
        const [bin, ...pre] = shell.split(" ");
        for (const [script, expected] of [
            ["install", "install [device=wtg 01]install [collectors=--collector.a --no-collector.b]install [it's]\nSECRET-1\nSECRET-2\n"],
            ["uninstall", "uninstall\n"],
        ]) {
            const r = spawnSync(bin, [...pre, "-c", deviceCommand(script as "install" | "uninstall")], { input: frame, encoding: "utf8" });
            expect([r.status, r.stdout, r.stderr]).toEqual([0, expected, ""]);
        }
        const none = spawnSync(bin, [...pre, "-c", deviceCommand("install")], { input: "@@args\n@@payload\n", encoding: "utf8" });
        expect(none.status).toBe(2);
        expect(none.stderr).toContain("iiotmon: error: no install script on stdin");
    });

    it("puts both scripts, then the arguments, then the secrets on stdin", () => {
        const stdin = deviceStdin(["device=a", "owner=s/r"], { webConfig: "W\n", certPem: "C", keyPem: "K", scrapePassword: "pw" });
        expect(stdin.startsWith(`@@script install\n${provisionerScript("node-exporter-install.sh")}@@script uninstall\n`)).toBe(true);
        expect(stdin.endsWith("@@args\ndevice=a\nowner=s/r\n@@payload\n@@file web-config.yml\nW\n@@file tls.crt\nC\n@@file tls.key\nK\n@@password\npw\n@@end\n")).toBe(true);
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
