import { parse as parseYaml } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { diffFleets, FleetDiff } from "../../infra/fleet/fleetDiff";
import { renderMarkdown, renderText } from "../../infra/fleet/diffReport";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { Fleet } from "../../infra/fleet/types";
import { loadChecksums } from "../../infra/device/checksums";
import { allRegistered, DEFAULT_SETTINGS_FOR_TESTS, recordResources } from "../harness";
import { KEY_A, KEY_B } from "./malformedCases";
import { deviceResourceNames } from "../../infra/program/stack";

const checksums = loadChecksums();

const BASE = `version: 1
defaults:
  ssh: {user: iiotmon, privateKeySecret: deviceSshKey}
  nodeExporter: {version: "1.12.1", collectors: {enable: [systemd]}}
sites:
  north:
    region: north-sea
  south:
    region: channel
    ssh:
      bastion: {address: 198.51.100.20, user: jump, hostKey: ${KEY_B}}
devices:
  - name: a
    address: 10.0.0.1
    site: north
    hostKey: ${KEY_A}
  - name: b
    address: 10.0.0.2
    site: north
    hostKey: ${KEY_A}
    labels: {rack: r1}
  - name: c
    address: 10.1.0.3
    site: south
    hostKey: ${KEY_B}
  - name: d
    address: 10.1.0.4
    site: south
    hostKey: ${KEY_B}
`;

function fleet(text: string): Fleet {
    const r = parseFleet(text, { file: "endpoints.yaml", checksums });
    if (!r.fleet) throw new Error(JSON.stringify(r.problems));
    return r.fleet;
}

function diff(before: string, after: string): FleetDiff {
    const levels = (t: string) => {
        const doc = parseYaml(t) as { defaults?: unknown; sites?: Record<string, unknown> };
        return { defaults: doc.defaults ?? {}, sites: doc.sites ?? {} };
    };
    return diffFleets(fleet(before), fleet(after), { before: levels(before), after: levels(after) });
}

const kinds = (d: FleetDiff) => d.devices.map((c) => `${c.device}:${c.kind}${c.from ? `<-${c.from}` : ""}`);
const KEY_E = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDpeBOZK5bYOI/jX+jnseYz+0TOOhU0WxijSi6Tj7q3w";
const WITH_E = BASE + `  - name: e\n    address: 10.0.0.5\n    site: north\n    hostKey: ${KEY_E}\n`;

/** Pairs of fleets, each with what the diff must say. Shared with the program agreement test below. */
const PAIRS: { name: string; before?: string; after: string; expect: string[]; restarts?: string[] }[] = [
    { name: "no change", after: BASE, expect: [] },
    { name: "reordered devices", after: BASE.replace(/(  - name: a[\s\S]*?)(  - name: b[\s\S]*?)(  - name: c)/, "$2$1$3"), expect: [] },
    { name: "comments and formatting", after: "# the fleet\n" + BASE.replace("version: 1", "version: 1   # v1").replace("address: 10.0.0.1", "address: '10.0.0.1'"), expect: [] },
    { name: "a device added", after: BASE + `  - name: e\n    address: 10.0.0.5\n    site: north\n    hostKey: ${KEY_A}\n`, expect: ["e:added"] },
    { name: "a device removed", after: BASE.replace(/  - name: b[\s\S]*?(  - name: c)/, "$1"), expect: ["b:removed"] },
    { name: "a device moved to a new address", after: BASE.replace("10.0.0.2", "10.0.0.22"), expect: ["b:moved"] },
    { name: "a device with a new SSH user", after: BASE.replace("    labels: {rack: r1}", "    labels: {rack: r1}\n    ssh: {user: pi}"), expect: ["b:moved"] },
    { name: "collectors changed on one device", after: BASE.replace("    labels: {rack: r1}", "    labels: {rack: r1}\n    nodeExporter: {collectors: {enable: [processes]}}"), expect: ["b:reconfigured"], restarts: ["b"] },
    { name: "SSH port changed (no restart)", after: BASE.replace("    labels: {rack: r1}", "    labels: {rack: r1}\n    ssh: {port: 2222}"), expect: ["b:reconfigured"], restarts: [] },
    { name: "labels only", after: BASE.replace("rack: r1", "rack: r2"), expect: ["b:labels"] },
    { name: "defaults: a new node_exporter version", after: BASE.replace('version: "1.12.1"', 'version: "1.8.2"'), expect: ["a:reconfigured", "b:reconfigured", "c:reconfigured", "d:reconfigured"], restarts: ["a", "b", "c", "d"] },
    { name: "a site's bastion moved", after: BASE.replace("198.51.100.20", "198.51.100.21"), expect: ["c:moved", "d:moved"] },
    { name: "a device renamed (same address)", after: BASE.replace("  - name: b\n", "  - name: b-renamed\n"), expect: ["b-renamed:renamed<-b"] },
    {
        name: "a device renamed and renumbered, known by its own host key",
        before: WITH_E,
        after: WITH_E.replace("  - name: e\n    address: 10.0.0.5", "  - name: e2\n    address: 10.0.0.55"),
        expect: ["e2:renamed<-e"],
    },
    // b's key is also a's (a cloned image): a key that is not unique says nothing about which machine it is.
    { name: "a device replaced by another with a shared key elsewhere", after: BASE.replace("  - name: b\n    address: 10.0.0.2", "  - name: f\n    address: 10.0.0.6"), expect: ["b:removed", "f:added"] },
    { name: "a site's region renamed", after: BASE.replace("region: channel", "region: english-channel"), expect: ["c:labels", "d:labels"] },
];

describe("fleet diff", () => {
    it.each(PAIRS)("$name", ({ before, after, expect: expected, restarts }) => {
        const d = diff(before ?? BASE, after);
        expect(kinds(d)).toEqual(expected);
        if (restarts) expect(d.devices.filter((c) => c.restarts).map((c) => c.device)).toEqual(restarts);
    });

    it("expands a defaults change to every device it reaches, and warns", () => {
        const d = diff(BASE, BASE.replace('version: "1.12.1"', 'version: "1.8.2"'));
        expect(d.levels).toEqual([{ level: "defaults", changes: [{ field: "nodeExporter.version", from: "1.12.1", to: "1.8.2" }], devices: ["a", "b", "c", "d"] }]);
        expect(d.warnings).toEqual(["this change touches 4 devices at once; consider rolling it out site by site", "defaults changed: they reach 4 device(s) across sites"]);
    });

    it("expands a site change to its devices, and warns", () => {
        const d = diff(BASE, BASE.replace("198.51.100.20", "198.51.100.21"));
        expect(d.levels).toEqual([{ level: "site south", changes: [{ field: "ssh.bastion.address", from: "198.51.100.20", to: "198.51.100.21" }], devices: ["c", "d"] }]);
        expect(d.warnings).toContain("site south changed: it reaches all of its 2 device(s)");
    });

    it("warns about a device without a pinned host key", () => {
        const d = diff(BASE, BASE + "  - name: e\n    address: 10.0.0.5\n    site: north\n    insecureIgnoreHostKey: true\n");
        expect(d.warnings).toContain("e has no pinned host key (insecureIgnoreHostKey): anyone answering at 10.0.0.5 would get the install");
    });

    it("says in plain words what happens", () => {
        const text = renderText(diff(BASE, BASE.replace("10.0.0.2", "10.0.0.22").replace("rack: r1", "rack: r2")));
        expect(text).toBe(
            [
                "1 moved; 1 device(s) touched (fleet: 4 -> 4)",
                "",
                "Moved (the same device reached differently: the installer re-runs there):",
                "  b (north): re-run the installer at iiotmon@10.0.0.22 (the same device reached differently); nothing is uninstalled through iiotmon@10.0.0.2",
                "      address: 10.0.0.2 -> 10.0.0.22",
                "      labels.rack: r1 -> r2",
                "",
            ].join("\n"),
        );
    });

    it("renders a compact markdown comment with the details folded", () => {
        const md = renderMarkdown(diff(BASE, BASE.replace('version: "1.12.1"', 'version: "1.8.2"')), "Fleet change");
        expect(md.split("\n").slice(0, 3)).toEqual(["### Fleet change", "", "**4 reconfigured; 4 device(s) touched (fleet: 4 -> 4)**"]);
        expect(md).toContain("| `a` | north | reconfigured | re-run the installer: node_exporter restarts once |");
        expect(md).toMatch(/<details><summary>Details<\/summary>[\s\S]*\*\*defaults\*\* \(reaches 4 device\(s\)\): `nodeExporter.version` 1.12.1 → 1.8.2[\s\S]*<\/details>\n$/);
    });
});

/**
 * The diff and the program agree: the devices the diff says are touched are exactly the devices whose
 * resource inputs change when the program runs under mocks for both fleets.
 */
describe("the diff agrees with the program", () => {
    async function deviceInputs(f: Fleet): Promise<Map<string, string>> {
        const run = await recordResources("agree");
        const { buildStack } = await import("../../infra/program/stack");
        const out = buildStack({
            settings: DEFAULT_SETTINGS_FOR_TESTS,
            fleet: f,
            checksums,
            secrets: new Map([["deviceSshKey", pulumi.secret("device-key")]]),
        });
        await new Promise<void>((resolve) => pulumi.all(Object.values(out.devices)).apply(() => resolve()));
        await allRegistered();
        const byDevice = new Map<string, string>();
        const deviceOf = new Map<string, string>(f.devices.flatMap((d) => Object.values(deviceResourceNames(d.name)).map((n): [string, string] => [n, d.name])));
        for (const r of run.resources) {
            const d = deviceOf.get(r.name);
            if (d) byDevice.set(d, (byDevice.get(d) ?? "") + r.name + JSON.stringify(r.inputs));
        }
        return byDevice;
    }

    it.each(PAIRS)("$name", async ({ before: beforeText, after }) => {
        const before = await deviceInputs(fleet(beforeText ?? BASE));
        const now = await deviceInputs(fleet(after));
        const programTouched = [...new Set([...before.keys(), ...now.keys()])].filter((n) => before.get(n) !== now.get(n)).sort();
        // A rename touches two resources: the new one installs, the old one is deleted (and leaves the device alone).
        const diffTouched = diff(beforeText ?? BASE, after).devices.filter((c) => c.kind !== "labels").flatMap((c) => (c.from ? [c.device, c.from] : [c.device])).sort();
        expect(diffTouched).toEqual(programTouched);
    });
});
