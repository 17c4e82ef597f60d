import * as fs from "fs";
import * as path from "path";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { formatProblem } from "../../infra/fleet/problems";
import { loadChecksums } from "../../infra/device/checksums";
import { ROOT } from "../harness";
import { device, HEAD, KEY_B } from "./malformedCases";

const checksums = loadChecksums();
const parse = (text: string) => parseFleet(text, { file: "endpoints.yaml", checksums });

describe("the shipped endpoints.yaml", () => {
    const result = parse(fs.readFileSync(path.join(ROOT, "endpoints.yaml"), "utf8"));

    it("is valid without warnings", () => {
        expect(result.problems.map(formatProblem)).toEqual([]);
        expect(result.fleet?.devices).toHaveLength(9);
    });

    it("is a wind farm of two sites with amd64 gateways and arm controllers", () => {
        const devices = result.fleet!.devices;
        expect(new Set(devices.map((d) => d.site))).toEqual(new Set(["nhv-onshore", "nhv-offshore"]));
        expect(devices.map((d) => d.arch)).toEqual(expect.arrayContaining(["amd64", "arm64", "armv7", "auto"]));
    });

    it("reaches the offshore devices through the platform's jump host, with the fleet's key", () => {
        const turbine = result.fleet!.devices.find((d) => d.name === "wtg-a01-ctrl")!;
        expect(turbine.ssh.bastion).toEqual({
            address: "198.51.100.20",
            port: 22,
            user: "jump",
            privateKeySecret: "deviceSshKey",
            hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID8j3pVTKFGuWWHIoUi9lYGF5vsb8sFBtfn08PgEp2WY",
        });
        expect(turbine.nodeExporter.downloadBaseUrl).toBe("https://mirror.osp.nhv.example/node_exporter");
        const onshore = result.fleet!.devices.find((d) => d.name === "onshore-scada-gw-01")!;
        expect(onshore.ssh.bastion).toBeUndefined();
        expect(onshore.nodeExporter.downloadBaseUrl).toBe("https://github.com/prometheus/node_exporter/releases/download");
    });
});

describe("defaults, sites and devices", () => {
    const text = `version: 1
defaults:
  ssh: {user: ops, port: 2222, privateKeySecret: fleetKey}
  nodeExporter:
    version: "1.8.2"
    collectors: {enable: [systemd, processes], disable: [wifi]}
  labels: {owner: ops, tier: edge}
sites:
  north:
    region: north-sea
    labels: {tier: offshore}
    ssh: {passwordSecret: northPassword}
    nodeExporter:
      port: 9200
      collectors: {enable: [wifi], disable: [processes]}
devices:
${device("a", "10.0.0.1", "    labels: {owner: turbine-team, rack: 7}\n    nodeExporter:\n      collectors: {disable: [wifi]}\n      downloadBaseUrl: https://mirror.example/ne/\n")}${device("b", "10.0.0.2", "    ssh: {user: pi, port: 22}\n    arch: armv7\n", KEY_B)}`;
    const fleet = parse(text).fleet!;
    const [a, b] = fleet.devices;

    it("lets the device override its site and the site override the defaults", () => {
        expect(a.labels).toEqual({ owner: "turbine-team", rack: "7", tier: "offshore" });
        expect(a.ssh).toEqual({ user: "ops", port: 2222, passwordSecret: "northPassword" });
        expect(b.ssh).toEqual({ user: "pi", port: 22, passwordSecret: "northPassword" });
        expect(a.nodeExporter.port).toBe(9200);
        expect(a.nodeExporter.version).toBe("1.8.2");
        expect(a.nodeExporter.downloadBaseUrl).toBe("https://mirror.example/ne");
        expect(b.arch).toBe("armv7");
        expect(a.arch).toBe("auto");
    });

    it("switches collectors on and off level by level", () => {
        expect(a.nodeExporter.collectors).toEqual({ enable: ["systemd"], disable: ["processes", "wifi"] });
        expect(b.nodeExporter.collectors).toEqual({ enable: ["systemd", "wifi"], disable: ["processes"] });
    });

    it("takes over another exporter on the port only where the fleet says so", () => {
        expect([a.nodeExporter.takeOver, b.nodeExporter.takeOver]).toEqual([false, false]);
        const taken = parse(text.replace("      downloadBaseUrl: https://mirror.example/ne/\n", "      downloadBaseUrl: https://mirror.example/ne/\n      takeOver: true\n")).fleet!.devices;
        expect(taken.map((d) => d.nodeExporter.takeOver)).toEqual([true, false]);
        const bad = parse(text.replace("      port: 9200\n", "      port: 9200\n      takeOver: yes please\n"));
        expect(bad.problems.map((p) => `${p.line} ${p.path} ${p.message}`)).toEqual(['15 sites.north.nodeExporter.takeOver must be true or false, found the text "yes please"']);
    });

    it("records where each device is defined", () => {
        expect(a.source).toEqual({ file: "endpoints.yaml", line: 17 });
    });

    it("names the same device the same way whatever the order of the list", () => {
        const [a2, b2] = parse(text.replace(/devices:\n([\s\S]*?)(  - name: b[\s\S]*)$/, "devices:\n$2$1")).fleet!.devices;
        expect([a2.name, b2.name]).toEqual(["b", "a"]);
        expect({ ...b2, source: undefined }).toEqual({ ...a, source: undefined });
    });
});

describe("warnings", () => {
    it("accepts a device without host key only when asked, and warns", () => {
        const result = parse(HEAD + "  - name: a\n    address: 10.0.0.1\n    site: north\n    insecureIgnoreHostKey: true\n");
        expect(result.fleet?.devices[0].insecureIgnoreHostKey).toBe(true);
        expect(result.problems.map(formatProblem)).toEqual([
            'endpoints.yaml:10:5: warning: devices[0] "a" has no hostKey and accepts any host key (insecureIgnoreHostKey); pin it with the output of `ssh-keyscan -t ed25519 10.0.0.1`',
        ]);
    });

    it("warns about a collector name that looks like a typo, without refusing it", () => {
        const result = parse(HEAD + device("a", "10.0.0.1", "    nodeExporter:\n      collectors:\n        enable: [sytemd]\n"));
        expect(result.fleet).toBeDefined();
        expect(result.problems.map(formatProblem)).toEqual([
            'endpoints.yaml:16:18: warning: devices[0].nodeExporter.collectors.enable[0] "sytemd" is not a node_exporter collector (did you mean "systemd"?)',
        ]);
    });

    it("warns about two devices with the same host key (a cloned image)", () => {
        const result = parse(HEAD + device("a", "10.0.0.1") + device("b", "10.0.0.2"));
        expect(result.fleet).toBeDefined();
        expect(result.problems.map(formatProblem)).toEqual([
            'endpoints.yaml:14:5: warning: devices[1].hostKey is the same as the host key of devices[0] "a" (line 10): devices cloned from one image share keys; regenerate them (ssh-keygen -A) on each device',
        ]);
    });

    it("reports every problem of a file at once, in file order", () => {
        const text = HEAD + device("A", "10.0.0.999") + device("b", "10.0.0.2", "    arch: sparc\n", KEY_B);
        const lines = parse(text).problems.map((p) => p.line);
        expect(lines).toEqual([10, 11, 18]);
    });
});

describe("files that are not fleets", () => {
    it("refuses a file of many megabytes before parsing it", () => {
        const result = parse(HEAD + "#".repeat(17 * 1024 * 1024));
        expect(result.problems.map(formatProblem)).toEqual(["endpoints.yaml:1:1: the file is larger than 16 MiB; is it really a fleet file?"]);
    });

    it("parses a 3 MB fleet of 10,000 devices", () => {
        let text = HEAD;
        for (let i = 0; i < 10000; i++) {
            text += device(`d${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
        }
        expect(text.length).toBeGreaterThan(1_000_000);
        const result = parse(text);
        // One key for all 10,000 generated devices: each but the first is warned about, none is an error.
        expect(result.problems.filter((p) => p.severity === "error")).toEqual([]);
        expect(result.problems).toHaveLength(9999);
        expect(result.fleet?.devices).toHaveLength(10000);
    });

    it("does not expand an alias bomb", () => {
        let text = 'version: 1\na0: &a0 ["x","x","x","x","x","x","x","x","x"]\n';
        for (let i = 1; i < 12; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(",")}]\n`;
        const result = parse(text + "devices: []\n");
        expect(result.fleet).toBeUndefined();
        expect(result.problems.map((p) => p.path)).toEqual(["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"]);
    });
});
