import { loadChecksums } from "../../infra/device";
import { formatProblem, parseFleet } from "../../infra/fleet";
import { device, HEAD } from "./malformedCases";

/** A device of another kind than node_exporter: no hostKey, no SSH; lines 10 to 12 of the frame. */
const probe = (name: string, address: string, extra: string) => `  - name: ${name}\n    address: ${address}\n    site: north\n${extra}`;

/**
 * The malformed-fleet corpus for probe and SNMP devices, as malformed.test.ts for the rest: each case
 * breaks one thing in an otherwise valid fleet and states every error line exactly. No case may yield a
 * fleet, and no secret value may reach a message.
 */
const CASES: [name: string, text: string, expected: string[]][] = [
    [
        "an unknown way to watch",
        probe("p", "10.0.0.5", "    watch: snpm\n"),
        [
            "endpoints.yaml:13:12: devices[0].watch \"snpm\" is not a way to watch a device; use nodeExporter (the default: installed over SSH), probe (reachability checks from the monitoring host) or snmp",
        ],
    ],
    [
        "a probe device without probes",
        probe("p", "10.0.0.5", "    watch: probe\n"),
        [
            "endpoints.yaml:13:12: devices[0] \"p\" is watched by probe but has no probes; list at least one (icmp, tcp: PORT, http: {...}, https: {...})",
        ],
    ],
    [
        "an SSH key on a probe device",
        probe("p", "10.0.0.5", "    watch: probe\n    probes: [icmp]\n    hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDJOWB60hJwM3eJ+kxaC3QYdsXnBJe+s40kZiKj0te3Y\n    nodeExporter: {port: 9200}\n"),
        [
            "endpoints.yaml:15:5: devices[0].hostKey has no effect: \"p\" is watched by probe, with nothing installed and no SSH; remove it (or drop `watch: probe`)",
            "endpoints.yaml:16:5: devices[0].nodeExporter has no effect: \"p\" is watched by probe, with nothing installed and no SSH; remove it (or drop `watch: probe`)",
        ],
    ],
    [
        "an snmp block on a probe device",
        probe("p", "10.0.0.5", "    watch: probe\n    probes: [icmp]\n    snmp: {version: 2c, communitySecret: c}\n"),
        [
            "endpoints.yaml:15:5: devices[0].snmp has no effect: \"p\" is not watched by snmp; add `watch: snmp` or remove the block",
        ],
    ],
    [
        "an snmp device without a version",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {communitySecret: c}\n"),
        [
            "endpoints.yaml:14:11: devices[0] \"s\" has no SNMP version; set snmp.version (2c or 3) on the device, site \"north\" or defaults",
        ],
    ],
    [
        "SNMPv2c without a community",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 2c}\n"),
        [
            "endpoints.yaml:14:11: devices[0] \"s\" uses SNMPv2c but names no community; set snmp.communitySecret (the name of a stack secret) on the device, site \"north\" or defaults",
        ],
    ],
    [
        "SNMPv3 without an auth password",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 3, user: monitor}\n"),
        [
            "endpoints.yaml:14:11: devices[0] \"s\" uses SNMPv3 but has no snmp.authPasswordSecret; set it on the device, site \"north\" or defaults (SNMPv3 without authentication is not supported)",
        ],
    ],
    [
        "a privacy protocol without its password",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 3, user: monitor, authPasswordSecret: a, privProtocol: AES}\n"),
        [
            "endpoints.yaml:14:11: devices[0] \"s\" sets snmp.privProtocol but names no snmp.privPasswordSecret; set both for authPriv, or neither for authNoPriv",
        ],
    ],
    [
        "a community pasted into the file",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp:\n      version: 2c\n      community: public\n"),
        [
            "endpoints.yaml:16:7: devices[0].snmp.community looks like a secret, and secrets must never be in this file; store it with `pulumi config set --secret snmpCommunity` and refer to it as `communitySecret: snmpCommunity`",
        ],
    ],
    [
        "an SNMPv3 password pasted into the file",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp:\n      version: 3\n      user: monitor\n      authPassword: \"s3cret pass\"\n"),
        [
            "endpoints.yaml:17:7: devices[0].snmp.authPassword looks like a secret, and secrets must never be in this file; store it with `pulumi config set --secret snmpAuthPassword` and refer to it as `authPasswordSecret: snmpAuthPassword`",
        ],
    ],
    [
        "a community secret name that is the secret",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 2c, communitySecret: \"pub lic!\"}\n"),
        [
            "endpoints.yaml:14:42: devices[0].snmp.communitySecret must be the name of a Pulumi secret config key, not the secret itself; store it with `pulumi config set --secret snmpCommunity` and refer to it as `communitySecret: snmpCommunity`",
        ],
    ],
    [
        "an unknown authentication protocol",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 3, user: m, authProtocol: SHA1, authPasswordSecret: a}\n"),
        [
            "endpoints.yaml:14:47: devices[0].snmp.authProtocol \"SHA1\" is not an SNMPv3 authentication protocol (did you mean \"SHA\"?); use one of MD5, SHA, SHA224, SHA256, SHA384, SHA512",
        ],
    ],
    [
        "SNMPv1",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 1, communitySecret: c}\n"),
        [
            "endpoints.yaml:14:21: devices[0].snmp.version \"1\" is not an SNMP version this tool uses (SNMPv1 is not supported); use one of 2c, 3",
        ],
    ],
    [
        "an unknown SNMP module",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 2c, communitySecret: c, modules: [if-mib]}\n"),
        [
            "endpoints.yaml:14:55: devices[0].snmp.modules[0] \"if-mib\" is not an SNMP module (did you mean \"if_mib\"?); use one of system, if_mib, ups",
        ],
    ],
    [
        "an unknown probe kind",
        probe("p", "10.0.0.5", "    watch: probe\n    probes: [imcp]\n"),
        [
            "endpoints.yaml:14:14: devices[0].probes[0] \"imcp\" is not a probe; use icmp, tcp: PORT, http: {...} or https: {...}",
        ],
    ],
    [
        "a TCP probe without a port",
        probe("p", "10.0.0.5", "    watch: probe\n    probes: [tcp]\n"),
        [
            "endpoints.yaml:14:14: devices[0].probes[0] needs a port: write `tcp: 502`",
        ],
    ],
    [
        "a TCP port out of range",
        probe("p", "10.0.0.5", "    watch: probe\n    probes:\n      - tcp: 70000\n"),
        [
            "endpoints.yaml:15:14: devices[0].probes[0].tcp must be between 1 and 65535, found 70000",
        ],
    ],
    [
        "the same probe twice",
        probe("p", "10.0.0.5", "    watch: probe\n    probes:\n      - tcp: 502\n      - icmp\n      - tcp: 502\n"),
        [
            "endpoints.yaml:17:9: devices[0].probes[2] is the same check as devices[0].probes[0] (tcp:502); each probe of a device must differ",
        ],
    ],
    [
        "an impossible status code",
        probe("p", "10.0.0.5", "    watch: probe\n    probes:\n      - https: {status: [200, 999]}\n"),
        [
            "endpoints.yaml:15:31: devices[0].probes[0].https.status[1] must be between 100 and 599, found 999",
        ],
    ],
    [
        "certificate checking on plain HTTP",
        probe("p", "10.0.0.5", "    watch: probe\n    probes:\n      - http: {verifyCertificate: false}\n"),
        [
            "endpoints.yaml:15:16: devices[0].probes[0].http.verifyCertificate is not a known key here; known keys: port, path, status",
        ],
    ],
    [
        "two probes in one item",
        probe("p", "10.0.0.5", "    watch: probe\n    probes:\n      - {icmp: {}, tcp: 502}\n"),
        [
            "endpoints.yaml:15:9: devices[0].probes[0] must name exactly one probe kind (icmp, tcp, http or https); write one list item per probe",
        ],
    ],
    [
        "a device label blackbox_exporter uses",
        probe("p", "10.0.0.5", "    watch: probe\n    probes: [icmp]\n    labels: {phase: commissioning}\n"),
        [
            "endpoints.yaml:10:5: devices[0] \"p\" has the label phase (from the device, its site or defaults), which is a label blackbox_exporter puts on its own probe series; as a device label it would make Prometheus rename theirs to exported_phase; choose another name",
        ],
    ],
    [
        "a device label the interface table uses",
        probe("s", "10.0.0.5", "    watch: snmp\n    snmp: {version: 2c, communitySecret: c}\n    labels: {ifName: uplink}\n"),
        [
            "endpoints.yaml:10:5: devices[0] \"s\" has the label ifName (from the device, its site or defaults), which is a label the SNMP module if_mib puts on its own series; as a device label it would make Prometheus rename theirs to exported_ifName; choose another name",
        ],
    ],
    [
        "the probe label on a Linux device with probes",
        device("a", "10.0.0.1", "    probes: [icmp]\n    labels: {probe: yes}\n"),
        [
            "endpoints.yaml:10:5: devices[0] \"a\" has the label probe (from the device, its site or defaults), which is set by the product on every probe's series (which check it is); choose another name",
        ],
    ],
    [
        "a probe device at a Linux device's address",
        device("a", "10.0.0.1") + probe("p", "10.0.0.1", "    watch: probe\n    probes: [icmp]\n"),
        [
            "endpoints.yaml:15:14: devices[1].address 10.0.0.1 is also the address of \"a\" (line 10); to watch more of that device, add probes to \"a\" instead",
        ],
    ],
    [
        "two probe devices at one address",
        probe("p", "10.0.0.5", "    watch: probe\n    probes: [icmp]\n") + probe("q", "10.0.0.5", "    watch: probe\n    probes: [icmp]\n"),
        [
            "endpoints.yaml:16:14: devices[1].address 10.0.0.5 is also the address of \"p\" (line 10); each device needs its own address",
        ],
    ],
    [
        "an snmp block on a Linux device",
        device("a", "10.0.0.1", "    snmp: {version: 2c, communitySecret: c}\n"),
        [
            "endpoints.yaml:14:5: devices[0].snmp has no effect: \"a\" is not watched by snmp; add `watch: snmp` or remove the block",
        ],
    ],
];

const checksums = loadChecksums();

describe("malformed probe and SNMP devices", () => {
    it.each(CASES)("%s", (_name, text, expected) => {
        const result = parseFleet(HEAD + text, { file: "endpoints.yaml", checksums });
        const messages = result.problems.filter((p) => p.severity === "error").map(formatProblem);
        expect(messages).toEqual(expected);
        expect(result.fleet).toBeUndefined();
        // Values pasted where a secret's name belongs are never repeated back (they would land in CI logs).
        for (const secret of ["public", "s3cret pass", "pub lic!"]) expect(messages.join("\n")).not.toContain(secret);
    });
});
