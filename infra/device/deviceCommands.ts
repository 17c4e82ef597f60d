import { ChecksumTable, Device } from "../fleet";
import { provisionerScript, shellQuote } from "../common";

const INSTALL_SCRIPT = provisionerScript("node-exporter-install.sh");
const UNINSTALL_SCRIPT = provisionerScript("node-exporter-uninstall.sh");

/** The scrape user Prometheus authenticates as; the password is the stack's secret. */
export const SCRAPE_USERNAME = "prometheus";

/**
 * Where a pushed tarball lands on the device: relative to the SSH user's home directory (SFTP paths
 * are, and the installer runs from there), so it survives a reboot and a failed install, unlike /tmp.
 * The installer deletes it only after a successful install.
 */
export function pushedTarballPath(version: string, arch: string): string {
    return `.iiotmon/node_exporter-${version}.linux-${arch}.tar.gz`;
}

/** The flags that switch collectors on and off, in a stable order so an unchanged fleet renders the same text. */
export function collectorFlags(device: Device): string {
    const { enable, disable } = device.nodeExporter.collectors;
    return [...enable.map((c) => `--collector.${c}`), ...disable.map((c) => `--no-collector.${c}`)].join(" ");
}

/**
 * Dropbear, common on embedded gateways, refuses an exec request longer than 9,000 bytes:
 * dropbear 2022.83 sysoptions.h:67 `#define MAX_CMD_LEN 9000`, svr-chansession.c:678
 * `if (cmdlen > MAX_CMD_LEN) { ... return DROPBEAR_FAILURE; }`. Our command lines stay far below it;
 * the scripts travel on stdin.
 */
export const DROPBEAR_MAX_CMD_LEN = 9000;

/** Which of the two scripts on stdin a command runs. */
export type DeviceScript = "install" | "uninstall";

/**
 * Reads the script named $0 and its arguments from the framed stdin (see deviceStdin) into a private
 * temporary file, and runs it with the rest of stdin (the secrets). `read` takes one byte at a time
 * from a pipe (in dash, bash and BusyBox ash), so the script gets stdin exactly where the frame ends.
 */
const EXTRACT = [
    "umask 077",
    "t=$(mktemp -d) || exit 1",
    `trap 'rm -rf "$t"' 0`,
    "w=",
    `while IFS= read -r l && [ "$l" != @@args ]; do case $l in "@@script "*) w=\${l#@@script };; *) [ "$w" != "$0" ] || printf '%s\\n' "$l";; esac; done >"$t/s"`,
    "set --",
    `while IFS= read -r l && [ "$l" != @@payload ]; do set -- "$@" "$l"; done`,
    `[ -s "$t/s" ] || { echo "iiotmon: error: no $0 script on stdin" >&2; exit 2; }`,
    `sh "$t/s" "$@"`,
].join("; ");

/**
 * The whole command line a device resource runs: a small fixed bootstrap, the same for every device.
 * It runs as root (directly, or through `sudo -n`, failing with a clear message when sudo would ask for a
 * password: there is no terminal), and takes the script, its arguments and the secrets from stdin.
 */
export function deviceCommand(script: DeviceScript): string {
    return [
        `b=${shellQuote(EXTRACT)}`,
        `if [ "$(id -u)" = 0 ]; then sh -c "$b" ${script}`,
        `elif sudo -n true 2>/dev/null; then sudo -n sh -c "$b" ${script}`,
        `else echo "iiotmon: error: $(id -un) is not root and sudo asks for a password; give it passwordless sudo (sudo -n) or connect as root" >&2; ` +
            `echo "IIOTMON_RESULT status=failed reason=sudo-needs-password"; exit 1; fi`,
    ].join("\n");
}

/** The checksums of every arch of the device's version, so `arch: auto` can be resolved on the device. */
function checksumArg(device: Device, checksums: ChecksumTable): string {
    const byArch = checksums.get(device.nodeExporter.version);
    if (!byArch) throw new Error(`device ${device.name}: no checksums for node_exporter ${device.nodeExporter.version}`);
    const arches = device.arch === "auto" ? [...byArch.keys()] : [device.arch];
    return arches
        .filter((a) => byArch.has(a))
        .map((a) => `${a}=${byArch.get(a)}`)
        .join(" ");
}

/**
 * The scripts' arguments (both get the same list). `owner` names the resource that installs: the
 * install writes it on the device, and an uninstall from any other owner (the old name of a renamed
 * device) leaves the device alone.
 */
export function deviceScriptArgs(device: Device, checksums: ChecksumTable, owner: string): string[] {
    const ne = device.nodeExporter;
    const args = [
        `device=${device.name}`,
        `owner=${owner}`,
        `version=${ne.version}`,
        `port=${ne.port}`,
        `arch=${device.arch}`,
        `source=${ne.source}`,
        `base_url=${ne.downloadBaseUrl}`,
        `checksums=${checksumArg(device, checksums)}`,
        `collectors=${collectorFlags(device)}`,
        `take_over=${ne.takeOver ? "yes" : "no"}`,
    ];
    if (ne.source === "push") args.push(`pushed=${pushedTarballPath(ne.version, device.arch)}`);
    for (const a of args) {
        if (a.includes("\n")) throw new Error(`device ${device.name}: argument ${JSON.stringify(a)} has a line break`);
    }
    return args;
}

/**
 * The stdin of a device resource. The provider gives the same stdin to create, update and delete
 * (pulumi-command v1.2.1 provider/pkg/provider/remote/commandController.go:91, Delete runs
 * `props.run(...)` on the stored state, and commandOutputs.go:73-74 feeds `c.Stdin` to the session),
 * so it carries both scripts; each command picks its own:
 * `@@script install`, `@@script uninstall`, `@@args` (one argument per line), `@@payload`, then the secrets.
 */
export function deviceStdin(args: readonly string[], secrets: DeviceSecrets): string {
    return framedStdin({ install: INSTALL_SCRIPT, uninstall: UNINSTALL_SCRIPT }, args, devicePayload(secrets));
}

/** The frame deviceCommand reads: both scripts, the arguments, then the payload for the script. */
export function framedStdin(scripts: Readonly<Record<DeviceScript, string>>, args: readonly string[], payload: string): string {
    const script = (name: DeviceScript, text: string) => `@@script ${name}\n${text.endsWith("\n") ? text : text + "\n"}`;
    return script("install", scripts.install) + script("uninstall", scripts.uninstall) + `@@args\n${args.map((a) => a + "\n").join("")}@@payload\n` + payload;
}

export interface DeviceSecrets {
    readonly webConfig: string;
    readonly certPem: string;
    readonly keyPem: string;
    readonly scrapePassword: string;
}

/** The installer's stdin: the device's TLS key and certificate, web config, and the password to test it with. */
export function devicePayload(s: DeviceSecrets): string {
    const section = (name: string, text: string) => `@@file ${name}\n${text.endsWith("\n") ? text : text + "\n"}`;
    return (
        section("web-config.yml", s.webConfig) +
        section("tls.crt", s.certPem) +
        section("tls.key", s.keyPem) +
        `@@password\n${s.scrapePassword}\n@@end\n`
    );
}

/** node_exporter's `--web.config.file`: TLS on, and basic auth with the bcrypt hash of the scrape password. */
export function renderWebConfig(bcryptHash: string): string {
    return [
        "# Managed by iiot-monitoring.",
        "tls_server_config:",
        "  cert_file: /etc/node_exporter/tls.crt",
        "  key_file: /etc/node_exporter/tls.key",
        "  min_version: TLS12",
        "basic_auth_users:",
        `  ${SCRAPE_USERNAME}: ${JSON.stringify(bcryptHash)}`,
        "",
    ].join("\n");
}
