import { loadChecksums } from "../../infra/device";
import { formatProblem, parseFleet } from "../../infra/fleet";
import { device, HEAD } from "./malformedCases";
import { MIXED_FLEET } from "./watchCases";

const checksums = loadChecksums();
const parse = (text: string) => parseFleet(text, { file: "endpoints.yaml", checksums });

describe("devices watched without an agent", () => {
    const result = parse(MIXED_FLEET);
    const fleet = result.fleet!;

    it("validate beside node_exporter devices, without warnings", () => {
        expect(result.problems.map(formatProblem)).toEqual([]);
        expect(fleet.devices.map((d) => d.name)).toEqual(["gw-01"]);
        expect(fleet.agentless.map((d) => [d.name, d.watch])).toEqual([
            ["plc-01", "probe"],
            ["sw-01", "snmp"],
            ["ups-01", "snmp"],
        ]);
    });

    it("keep a Linux device's probes beside its node_exporter", () => {
        expect(fleet.devices[0].probes).toEqual([{ kind: "tcp", port: 502 }]);
    });

    it("read every probe form, with defaults for ports, paths and status", () => {
        const plc = fleet.agentless.find((d) => d.name === "plc-01")!;
        expect(plc.labels).toEqual({ role: "plc" });
        expect(plc.site).toBe("north");
        expect(plc.region).toBe("north-sea");
        expect(plc.probes).toEqual([
            { kind: "icmp" },
            { kind: "tcp", port: 502 },
            { kind: "https", port: 8443, path: "/status", status: [200, 401], verifyCertificate: false },
            { kind: "http", port: 80, path: "/", status: [], verifyCertificate: false },
        ]);
        expect(plc.snmp).toBeUndefined();
    });

    it("take SNMP credentials from the site, and SNMPv3 from the device, by secret names", () => {
        const sw = fleet.agentless.find((d) => d.name === "sw-01")!;
        expect(sw.snmp).toEqual({ port: 161, modules: ["system", "if_mib"], credentials: { version: "2c", communitySecret: "northCommunity" } });
        expect(sw.probes).toEqual([{ kind: "icmp" }]);
        const ups = fleet.agentless.find((d) => d.name === "ups-01")!;
        // Protocols are matched without regard to case; privacy defaults to AES when a password is named.
        expect(ups.snmp).toEqual({
            port: 1161,
            modules: ["system", "ups"],
            credentials: { version: "3", user: "monitor", authProtocol: "SHA256", authPasswordSecret: "upsAuth", privProtocol: "AES", privPasswordSecret: "upsPriv" },
        });
    });

    it("leave existing files as they were: no agentless device, no probes", () => {
        const plain = parse(HEAD + device("a", "10.0.0.1")).fleet!;
        expect(plain.agentless).toEqual([]);
        expect(plain.devices[0].probes).toBeUndefined();
    });
});
