import { ChecksumTable } from "../nodeExporterChecksums";
import { Device } from "../fleet/types";
import { provisionerScript } from "../provisionerScripts";
import { shellQuote } from "./shellQuote";

const INSTALL_SCRIPT = provisionerScript("node-exporter-install.sh");
const UNINSTALL_SCRIPT = provisionerScript("node-exporter-uninstall.sh");

/** The scrape user Prometheus authenticates as; the password is the stack's secret. */
export const SCRAPE_USERNAME = "prometheus";

/** Where a pushed tarball lands on the device; the installer deletes it once used. */
export function pushedTarballPath(version: string, arch: string): string {
    return `/tmp/iiotmon-node_exporter-${version}.linux-${arch}.tar.gz`;
}

/** The flags that switch collectors on and off, in a stable order so an unchanged fleet renders the same text. */
export function collectorFlags(device: Device): string {
    const { enable, disable } = device.nodeExporter.collectors;
    return [...enable.map((c) => `--collector.${c}`), ...disable.map((c) => `--no-collector.${c}`)].join(" ");
}

/**
 * Runs a script as root: directly when connected as root, through `sudo -n` otherwise, and fails with
 * a clear message when sudo would ask for a password (it never prompts: there is no terminal).
 * The script travels inside the command (it is not secret, and reviewers see its changes in a preview);
 * anything secret travels on stdin, which the script reads.
 */
function asRoot(script: string, name: string, args: string[]): string {
    const argv = args.map(shellQuote).join(" ");
    return [
        `s=${shellQuote(script)}`,
        `if [ "$(id -u)" = 0 ]; then sh -c "$s" ${name} ${argv}`,
        `elif sudo -n true 2>/dev/null; then sudo -n sh -c "$s" ${name} ${argv}`,
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

/** The create (and update) command of a device: install or reconfigure node_exporter. */
export function installCommand(device: Device, checksums: ChecksumTable): string {
    const ne = device.nodeExporter;
    const args = [
        `device=${device.name}`,
        `version=${ne.version}`,
        `port=${ne.port}`,
        `arch=${device.arch}`,
        `source=${ne.source}`,
        `base_url=${ne.downloadBaseUrl}`,
        `checksums=${checksumArg(device, checksums)}`,
        `collectors=${collectorFlags(device)}`,
    ];
    if (ne.source === "push") args.push(`pushed=${pushedTarballPath(ne.version, device.arch)}`);
    return asRoot(INSTALL_SCRIPT, "iiotmon-install", args);
}

/** The delete command of a device: remove everything the installer put there. */
export function uninstallCommand(device: Device): string {
    return asRoot(UNINSTALL_SCRIPT, "iiotmon-uninstall", [`device=${device.name}`]);
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
