import { parseFleet } from "../../infra/fleet/parseFleet";
import { formatProblem } from "../../infra/fleet/problems";
import { loadChecksums } from "../../infra/device/checksums";
import { device, HEAD, KEY_A, KEY_B, KEY_RSA } from "./malformedCases";

/**
 * Each case breaks one thing in an otherwise valid fleet and states every line `npm run fleet -- validate`
 * must print for it: file, line, column, path and message, exactly. No case may yield a fleet.
 */
const CASES: [name: string, text: string, expected: string[]][] = [
    [
        "yaml syntax error",
        HEAD + device("a", "10.0.0.1") + "  - name: [b\n",
        [
            "endpoints.yaml:15:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
        ],
    ],
    [
        "tab indentation",
        "version: 1\ndevices:\n\t- name: a\n",
        [
            "endpoints.yaml:3:1: YAML syntax error: Tabs are not allowed as indentation",
        ],
    ],
    [
        "empty file",
        "",
        [
            "endpoints.yaml:1:1: the file is empty; a fleet needs at least `version: 1`, `sites:` and `devices:`",
        ],
    ],
    [
        "only a comment",
        "# nothing yet\n",
        [
            "endpoints.yaml:1:1: the file is empty; a fleet needs at least `version: 1`, `sites:` and `devices:`",
        ],
    ],
    [
        "a list at the top",
        "- name: a\n- name: b\n",
        [
            "endpoints.yaml:1:1: must be a mapping with version, defaults, sites and devices (key: value lines), found a list",
        ],
    ],
    [
        "a scalar at the top",
        "hello\n",
        [
            "endpoints.yaml:1:1: must be a mapping with version, defaults, sites and devices (key: value lines), found the text \"hello\"",
        ],
    ],
    [
        "unsupported version",
        HEAD.replace("version: 1", "version: 2") + device("a", "10.0.0.1"),
        [
            "endpoints.yaml:1:10: version 2 is not supported; this tool reads version 1",
        ],
    ],
    [
        "version as text",
        HEAD.replace("version: 1", 'version: "1"') + device("a", "10.0.0.1"),
        [
            "endpoints.yaml:1:10: version must be the number 1 (unquoted), found the text \"1\"",
        ],
    ],
    [
        "missing version",
        HEAD.replace("version: 1\n", "") + device("a", "10.0.0.1"),
        [
            "endpoints.yaml:1:1: is missing the required key \"version\"",
        ],
    ],
    [
        "missing devices",
        HEAD.replace("devices:\n", ""),
        [
            "endpoints.yaml:1:1: is missing the required key \"devices\"",
        ],
    ],
    [
        "devices is a mapping",
        HEAD + "  a: 1\n",
        [
            "endpoints.yaml:10:3: devices must be a list of devices (\"- item\" lines), found a mapping",
        ],
    ],
    [
        "unknown top-level key",
        "verison: 1\n" + HEAD.slice("version: 1\n".length) + device("a", "10.0.0.1"),
        [
            "endpoints.yaml:1:1: is missing the required key \"version\"",
            "endpoints.yaml:1:1: verison is not a known key here (did you mean \"version\"?); known keys: version, defaults, sites, devices",
        ],
    ],
    [
        "unknown device key with suggestion",
        HEAD + device("a", "10.0.0.1", "    adress: 10.0.0.9\n"),
        [
            "endpoints.yaml:14:5: devices[0].adress is not a known key here (did you mean \"address\"?); known keys: name, address, site, hostKey, arch, watch, probes, maintenance, ssh, nodeExporter, labels, insecureIgnoreHostKey, snmp",
        ],
    ],
    [
        "missing address",
        HEAD + "  - name: a\n    site: north\n    hostKey: " + KEY_A + "\n",
        [
            "endpoints.yaml:10:5: devices[0] is missing the required key \"address\"",
        ],
    ],
    [
        "missing site region",
        HEAD.replace("    region: north-sea\n", "    labels: {x: y}\n") + device("a", "10.0.0.1"),
        [
            "endpoints.yaml:8:5: sites.north is missing the required key \"region\"",
        ],
    ],
    [
        "uppercase device name",
        HEAD + device("Turbine-01", "10.0.0.1"),
        [
            "endpoints.yaml:10:11: devices[0].name \"Turbine-01\" is not a usable device name: 1 to 63 lowercase letters, digits, \"-\", \"_\" or \".\", starting with a letter or digit (try \"turbine-01\")",
        ],
    ],
    [
        "device name too long",
        HEAD + device("a".repeat(64), "10.0.0.1"),
        [
            "endpoints.yaml:10:11: devices[0].name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is not a usable device name: 1 to 63 lowercase letters, digits, \"-\", \"_\" or \".\", starting with a letter or digit",
        ],
    ],
    [
        "device name with space",
        HEAD + device('"wtg 01"', "10.0.0.1"),
        [
            "endpoints.yaml:10:11: devices[0].name \"wtg 01\" is not a usable device name: 1 to 63 lowercase letters, digits, \"-\", \"_\" or \".\", starting with a letter or digit",
        ],
    ],
    [
        "duplicate device name",
        HEAD + device("a", "10.0.0.1") + device("a", "10.0.0.2", "", KEY_B),
        [
            "endpoints.yaml:14:5: devices[1].name \"a\" is already used by devices[0] (line 10); device names must be unique",
        ],
    ],
    [
        "duplicate address and port",
        HEAD + device("a", "10.0.0.1") + device("b", "10.0.0.1", "", KEY_B),
        [
            "endpoints.yaml:15:14: devices[1].address 10.0.0.1:22 is also the address of devices[0] \"a\" (line 10); each device needs its own address and port",
        ],
    ],
    [
        "duplicate IPv6 in another spelling",
        HEAD + device("a", "2001:db8:0:0::1") + device("b", "2001:DB8::1", "", KEY_B),
        [
            "endpoints.yaml:15:14: devices[1].address [2001:DB8::1]:22 is also the address of devices[0] \"a\" (line 10); each device needs its own address and port",
        ],
    ],
    [
        "invalid IPv4",
        HEAD + device("a", "10.0.0.300"),
        [
            "endpoints.yaml:11:14: devices[0].address \"10.0.0.300\" is not a valid IPv4 address",
        ],
    ],
    [
        "host:port in address",
        HEAD + device("a", "10.0.0.1:2222"),
        [
            "endpoints.yaml:11:14: devices[0].address \"10.0.0.1:2222\" looks like host:port; put the port in ssh.port",
        ],
    ],
    [
        "invalid DNS name",
        HEAD + device("a", "gw_01.example"),
        [
            "endpoints.yaml:11:14: devices[0].address \"gw_01.example\" is not a valid IPv4, IPv6 or DNS name",
        ],
    ],
    [
        "port out of range",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      port: 70000\n"),
        [
            "endpoints.yaml:15:13: devices[0].ssh.port must be between 1 and 65535, found 70000",
        ],
    ],
    [
        "port as text",
        HEAD + device("a", "10.0.0.1", '    ssh:\n      port: "22"\n'),
        [
            "endpoints.yaml:15:13: devices[0].ssh.port must be a whole number between 1 and 65535, found the text \"22\"",
        ],
    ],
    [
        "unknown site with suggestion",
        HEAD + device("a", "10.0.0.1").replace("site: north", "site: nort"),
        [
            "endpoints.yaml:12:11: devices[0].site \"nort\" is not a site defined under sites: (did you mean \"north\"?); sites are: north",
        ],
    ],
    [
        "label name invalid",
        HEAD + device("a", "10.0.0.1", "    labels:\n      rack-no: 12\n"),
        [
            "endpoints.yaml:15:7: devices[0].labels.rack-no is not a valid Prometheus label name (letters, digits and _, not starting with a digit)",
        ],
    ],
    [
        "label reserved by the product",
        HEAD + device("a", "10.0.0.1", "    labels:\n      site: other\n"),
        [
            "endpoints.yaml:15:7: devices[0].labels.site is set by the product itself (instance, job, site, region, monitor, iiotmon_scope); choose another name",
        ],
    ],
    [
        // node_exporter's own `device` (interfaces, disks, filesystems) would become exported_device.
        "label node_exporter uses on its own series",
        HEAD + device("a", "10.0.0.1", "    labels:\n      device: plc-7\n      mountpoint: /data\n"),
        [
            "endpoints.yaml:15:7: devices[0].labels.device is a label node_exporter 1.12.1 puts on its own series (netdev collector, diskstats collector, filesystem collector and 21 more); as a device label it would make Prometheus rename theirs to exported_device; choose another name",
            "endpoints.yaml:16:7: devices[0].labels.mountpoint is a label node_exporter 1.12.1 puts on its own series (filesystem collector, mountstats collector); as a device label it would make Prometheus rename theirs to exported_mountpoint; choose another name",
        ],
    ],
    [
        "label starting with __",
        HEAD + device("a", "10.0.0.1", "    labels:\n      __meta: x\n"),
        [
            "endpoints.yaml:15:7: devices[0].labels.__meta starts with __, which Prometheus reserves for itself",
        ],
    ],
    [
        "host key of unsupported type",
        HEAD + device("a", "10.0.0.1", "", "ssh-dss AAAAB3NzaC1kc3MAAACBAP"),
        [
            "endpoints.yaml:13:14: devices[0].hostKey has key type \"ssh-dss\", which is not supported; use one of ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521",
        ],
    ],
    // ssh-rsa host keys: pulumi-command v1.2.1 pins the host-key algorithms to the key's own type
    // (provider/pkg/provider/remote/connection.go:93-94, `hostKeyCallback = ssh.FixedHostKey(publicKey)`,
    // `hostKeyAlgorithms = []string{publicKey.Type()}`), which for RSA is "ssh-rsa" (x/crypto v0.48.0
    // ssh/keys.go:40), the SHA-1 signature that OpenSSH 8.8+ refuses (its release notes: RSA signatures
    // with SHA-1 are disabled by default). Devices and bastions alike; the advice names the address and port to scan.
    [
        "ssh-rsa host key on a device",
        HEAD + device("a", "10.0.0.1", "", KEY_RSA),
        [
            "endpoints.yaml:13:14: devices[0].hostKey is an ssh-rsa key, which cannot work: the command provider then offers only SHA-1 \"ssh-rsa\" signatures, which OpenSSH 8.8 and later refuse; pin the ed25519 or ECDSA key instead: `ssh-keyscan -t ed25519 10.0.0.1` (or -t ecdsa)",
        ],
    ],
    [
        "ssh-rsa host key on a device with its own port",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      port: 2222\n", KEY_RSA),
        [
            "endpoints.yaml:13:14: devices[0].hostKey is an ssh-rsa key, which cannot work: the command provider then offers only SHA-1 \"ssh-rsa\" signatures, which OpenSSH 8.8 and later refuse; pin the ed25519 or ECDSA key instead: `ssh-keyscan -t ed25519 -p 2222 10.0.0.1` (or -t ecdsa)",
        ],
    ],
    [
        "ssh-rsa host key on a bastion",
        HEAD + device("a", "10.0.0.1", `    ssh:\n      bastion:\n        hostKey: ${KEY_RSA}\n        port: 2200\n        address: 198.51.100.20\n`),
        [
            "endpoints.yaml:16:18: devices[0].ssh.bastion.hostKey is an ssh-rsa key, which cannot work: the command provider then offers only SHA-1 \"ssh-rsa\" signatures, which OpenSSH 8.8 and later refuse; pin the ed25519 or ECDSA key instead: `ssh-keyscan -t ed25519 -p 2200 198.51.100.20` (or -t ecdsa)",
        ],
    ],
    [
        "host key with bad base64",
        HEAD + device("a", "10.0.0.1", "", "ssh-ed25519 AAAA!!notbase64"),
        [
            "endpoints.yaml:13:14: devices[0].hostKey has a key that is not valid base64; copy the whole second field of the .pub file",
        ],
    ],
    [
        "host key type mismatch",
        HEAD + device("a", "10.0.0.1", "", KEY_A.replace("ssh-ed25519", "ecdsa-sha2-nistp256")),
        [
            "endpoints.yaml:13:14: devices[0].hostKey says \"ecdsa-sha2-nistp256\" but the key blob is an \"ssh-ed25519\" key; copy type and key from the same line",
        ],
    ],
    [
        "host key truncated",
        HEAD + device("a", "10.0.0.1", "", KEY_A.slice(0, -8)),
        [
            "endpoints.yaml:13:14: devices[0].hostKey has an ssh-ed25519 key blob of the wrong length; the key was probably cut when copied",
        ],
    ],
    [
        "missing host key",
        HEAD + "  - name: a\n    address: 10.0.0.1\n    site: north\n",
        [
            "endpoints.yaml:10:5: devices[0] \"a\" has no hostKey; pin the device's key (`ssh-keyscan -t ed25519 10.0.0.1`) or set insecureIgnoreHostKey: true on the device, site \"north\" or defaults",
        ],
    ],
    [
        "unknown arch",
        HEAD + device("a", "10.0.0.1", "    arch: aarch64\n"),
        [
            "endpoints.yaml:14:11: devices[0].arch \"aarch64\" is not a supported arch; use one of auto, amd64, arm64, armv7, armv6, 386",
        ],
    ],
    [
        "collector in enable and disable",
        HEAD + device("a", "10.0.0.1", "    nodeExporter:\n      collectors:\n        enable: [systemd]\n        disable: [systemd]\n"),
        [
            "endpoints.yaml:17:19: devices[0].nodeExporter.collectors.disable[0] \"systemd\" is in both enable and disable; keep it in one of them",
        ],
    ],
    [
        "collector name with shell characters",
        HEAD + device("a", "10.0.0.1", "    nodeExporter:\n      collectors:\n        enable: [\"systemd;reboot\"]\n"),
        [
            "endpoints.yaml:16:18: devices[0].nodeExporter.collectors.enable[0] \"systemd;reboot\" is not a collector name (lowercase letters, digits and _)",
        ],
    ],
    [
        "private key pasted",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      privateKeySecret: |\n        -----BEGIN OPENSSH PRIVATE KEY-----\n        b3BlbnNzaC1rZXktdjEAAAAA\n        -----END OPENSSH PRIVATE KEY-----\n"),
        [
            "endpoints.yaml:15:25: devices[0].ssh.privateKeySecret holds a PEM block (-----BEGIN ...), and secrets must never be in this file; store it with `pulumi config set --secret deviceSshKey < ~/.ssh/fleet_ed25519` and refer to it as `privateKeySecret: deviceSshKey`",
        ],
    ],
    [
        "password key",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      password: hunter2\n"),
        [
            "endpoints.yaml:15:7: devices[0].ssh.password looks like a secret, and secrets must never be in this file; store it with `pulumi config set --secret devicePassword` and refer to it as `passwordSecret: devicePassword`",
        ],
    ],
    [
        "privateKey key",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      privateKey: /home/me/.ssh/id_ed25519\n"),
        [
            "endpoints.yaml:15:7: devices[0].ssh.privateKey looks like a secret, and secrets must never be in this file; store it with `pulumi config set --secret deviceSshKey < ~/.ssh/fleet_ed25519` and refer to it as `privateKeySecret: deviceSshKey`",
        ],
    ],
    [
        "both credentials",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      privateKeySecret: k\n      passwordSecret: p\n"),
        [
            "endpoints.yaml:15:7: devices[0].ssh sets both privateKeySecret and passwordSecret; choose one",
        ],
    ],
    [
        "secret name that is a secret",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      passwordSecret: \"correct horse battery staple\"\n"),
        [
            "endpoints.yaml:15:23: devices[0].ssh.passwordSecret must be the name of a Pulumi secret config key, not the secret itself; store it with `pulumi config set --secret devicePassword` and refer to it as `passwordSecret: devicePassword`",
        ],
    ],
    [
        "node_exporter version without checksums",
        HEAD + device("a", "10.0.0.1", '    nodeExporter:\n      version: "1.0.0"\n'),
        [
            "endpoints.yaml:15:16: devices[0].nodeExporter.version node_exporter \"1.0.0\" has no checksums in provisioners/node-exporter.sha256sums (known: 1.12.1, 1.8.2); add the release's official sha256sums.txt lines to pin it",
        ],
    ],
    [
        "node_exporter version as number",
        HEAD + device("a", "10.0.0.1", "    nodeExporter:\n      version: 1.8\n"),
        [
            "endpoints.yaml:15:16: devices[0].nodeExporter.version must be text, found the number 1.8",
        ],
    ],
    [
        "bad source",
        HEAD + device("a", "10.0.0.1", "    nodeExporter:\n      source: scp\n"),
        [
            "endpoints.yaml:15:15: devices[0].nodeExporter.source \"scp\" is not a source; use \"download\" (the device fetches it) or \"push\" (sent over SSH)",
        ],
    ],
    [
        "download URL with a quote",
        HEAD + device("a", "10.0.0.1", "    nodeExporter:\n      downloadBaseUrl: \"https://mirror/x'; rm -rf /\"\n"),
        [
            "endpoints.yaml:15:24: devices[0].nodeExporter.downloadBaseUrl \"https://mirror/x'; rm -rf /\" is not an http(s) URL (a mirror with the release layout, e.g. https://mirror.example/node_exporter)",
        ],
    ],
    [
        "bastion without address",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      bastion:\n        user: jump\n"),
        [
            "endpoints.yaml:16:9: devices[0].ssh.bastion is missing the required key \"address\"",
        ],
    ],
    [
        "bastion without host key",
        HEAD + device("a", "10.0.0.1", "    ssh:\n      bastion:\n        address: 198.51.100.20\n"),
        [
            "endpoints.yaml:16:9: devices[0].ssh.bastion 198.51.100.20 has no hostKey; pin it, or set insecureIgnoreHostKey: true",
        ],
    ],
    [
        "no ssh user anywhere",
        HEAD.replace("    user: iiotmon\n", "") + device("a", "10.0.0.1"),
        [
            "endpoints.yaml:9:5: devices[0] \"a\" has no SSH user; set ssh.user on the device, site \"north\" or defaults",
        ],
    ],
    [
        "duplicate key in a mapping",
        HEAD + device("a", "10.0.0.1", "    address: 10.0.0.2\n"),
        [
            "endpoints.yaml:14:5: YAML syntax error: Map keys must be unique",
        ],
    ],
    [
        "insecureIgnoreHostKey not boolean",
        HEAD + "  - name: a\n    address: 10.0.0.1\n    site: north\n    insecureIgnoreHostKey: yes\n",
        [
            "endpoints.yaml:10:5: devices[0] \"a\" has no hostKey; pin the device's key (`ssh-keyscan -t ed25519 10.0.0.1`) or set insecureIgnoreHostKey: true on the device, site \"north\" or defaults",
            "endpoints.yaml:13:28: devices[0].insecureIgnoreHostKey must be true or false, found the text \"yes\"",
        ],
    ],
    [
        "empty value",
        HEAD + device("a", "10.0.0.1", "    arch:\n"),
        [
            "endpoints.yaml:14:5: devices[0].arch has no value; give it one or delete the line",
        ],
    ],
];

describe("malformed endpoints.yaml", () => {
    const checksums = loadChecksums();

    it("has at least 30 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(30));

    it.each(CASES)("%s", (_name, text, expected) => {
        const result = parseFleet(text, { file: "endpoints.yaml", checksums });
        expect(result.problems.filter((p) => p.severity === "error").map(formatProblem)).toEqual(expected);
        expect(result.fleet).toBeUndefined();
    });
});
