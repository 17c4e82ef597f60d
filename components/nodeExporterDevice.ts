import { isIP } from "net";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { Device, ChecksumTable } from "../infra/fleet";
import { dialBudget, deviceCommand, deviceScriptArgs, deviceStdin, InstallResult, NO_INSTALL_RESULT, parseInstallResult, pushedTarballPath, renderWebConfig } from "../infra/device";

/** Arguments of a NodeExporterDevice. */
export interface NodeExporterDeviceArgs {
    /** The device as validated from endpoints.yaml. */
    readonly device: Device;
    /** Secret values by the names the fleet uses (SSH keys, passwords). */
    readonly secrets: ReadonlyMap<string, pulumi.Output<string>>;
    /** The pinned sha256 of every node_exporter release tarball, by version and arch; the installer checks the download against it. */
    readonly checksums: ChecksumTable;
    /** The CA that signs the device's certificate, and the scrape credentials (ScrapeAuthority). */
    readonly authority: {
        /** The CA certificate, PEM. */
        readonly caCertPem: pulumi.Input<string>;
        /** The CA's private key, PEM (secret). */
        readonly caPrivateKeyPem: pulumi.Input<string>;
        /** The scrape password (secret); reaches the device on stdin only. */
        readonly password: pulumi.Input<string>;
        /** The password's bcrypt hash, which the device's web config holds. */
        readonly bcryptHash: pulumi.Input<string>;
    };
    /** Local path of the release tarball (PushedTarballs, checked against the pinned checksum). Required when the device's source is "push"; unused otherwise. */
    readonly pushedTarball?: string;
    /** How long to keep dialing an unreachable device, in seconds. Defaults to 60. */
    readonly dialTimeoutSeconds?: number;
}

/** The names of a NodeExporterDevice's children, from the component's name: the lab and tests find them by these. */
export function nodeExporterDeviceNames(name: string) {
    return {
        component: name,
        tlsKey: `${name}-tls-key`,
        tlsCsr: `${name}-tls-csr`,
        tlsCert: `${name}-tls-cert`,
        /** The CopyToRemote of a pushed release tarball (devices whose source is "push"). */
        pushTarball: `${name}-push-tarball`,
        /** The remote Command that installs, reconfigures and uninstalls node_exporter. */
        install: `${name}-node-exporter`,
    } as const;
}

/** The credential fields of a connection, from the secret the fleet names. */
function credentials(secrets: ReadonlyMap<string, pulumi.Output<string>>, ref: { privateKeySecret?: string; passwordSecret?: string }) {
    const get = (name: string) => {
        const v = secrets.get(name);
        if (!v) throw new Error(`secret ${name} was not loaded`);
        return v;
    };
    if (ref.privateKeySecret) return { privateKey: get(ref.privateKeySecret) };
    if (ref.passwordSecret) return { password: get(ref.passwordSecret) };
    return {};
}

/** The SSH connection to a device, host key pinned, through its bastion if it has one, bounded dialing. */
export function deviceConnection(
    device: Device,
    secrets: ReadonlyMap<string, pulumi.Output<string>>,
    dialTimeoutSeconds: number,
): command.types.input.remote.ConnectionArgs {
    const budget = dialBudget(dialTimeoutSeconds);
    const bastion = device.ssh.bastion;
    return {
        host: device.address,
        port: device.ssh.port,
        user: device.ssh.user,
        ...credentials(secrets, device.ssh),
        ...(device.hostKey ? { hostKey: device.hostKey } : {}),
        ...budget,
        ...(bastion
            ? {
                  proxy: {
                      host: bastion.address,
                      port: bastion.port,
                      user: bastion.user,
                      ...credentials(secrets, bastion),
                      ...(bastion.hostKey ? { hostKey: bastion.hostKey } : {}),
                      ...budget,
                  },
              }
            : {}),
    };
}

/**
 * One device of the fleet: its TLS certificate, and node_exporter installed (create), reconfigured
 * (update) and uninstalled (delete) over SSH.
 */
export class NodeExporterDevice extends pulumi.ComponentResource {
    /** What the installer reported on its final `IIOTMON_RESULT` line (status, version, changed, restarted, ...). */
    public readonly installed: pulumi.Output<InstallResult>;

    constructor(name: string, args: NodeExporterDeviceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:NodeExporterDevice", name, {}, opts);
        const { device } = args;
        const names = nodeExporterDeviceNames(name);
        const key = new tls.PrivateKey(names.tlsKey, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const ip = isIP(device.address) !== 0;
        const csr = new tls.CertRequest(
            names.tlsCsr,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: device.name, organization: "iiot-monitoring" },
                dnsNames: ip ? [device.name] : [device.name, device.address],
                ipAddresses: ip ? [device.address] : [],
            },
            { parent: this },
        );
        const cert = new tls.LocallySignedCert(
            names.tlsCert,
            {
                certRequestPem: csr.certRequestPem,
                caCertPem: args.authority.caCertPem,
                caPrivateKeyPem: args.authority.caPrivateKeyPem,
                validityPeriodHours: 2 * 365 * 24,
                earlyRenewalHours: 30 * 24,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            },
            { parent: this },
        );

        const connection = deviceConnection(device, args.secrets, args.dialTimeoutSeconds ?? 60);
        const dependsOn: pulumi.Resource[] = [];
        if (device.nodeExporter.source === "push") {
            if (!args.pushedTarball) throw new Error(`device ${device.name}: source is push but no local tarball was given`);
            dependsOn.push(
                new command.remote.CopyToRemote(
                    names.pushTarball,
                    {
                        connection,
                        source: new pulumi.asset.FileAsset(args.pushedTarball),
                        remotePath: pushedTarballPath(device.nodeExporter.version, device.arch),
                        // Another address, user or bastion needs the tarball there too; replacing a copy
                        // deletes nothing (CopyToRemote has no delete), and an update with the same file and
                        // path copies nothing (pulumi-command v1.2.1 remote/copyController.go:148).
                        triggers: [device.address, device.ssh.user, device.ssh.bastion?.address ?? "", device.nodeExporter.version],
                    },
                    { parent: this },
                ),
            );
        }

        const commandName = names.install;
        // The owner the install writes on the device: a renamed device's old resource then finds
        // someone else's node_exporter there and leaves it alone when the engine deletes it.
        const scriptArgs = deviceScriptArgs(device, args.checksums, `${pulumi.getStack()}/${commandName}`);
        const stdin = pulumi.secret(
            pulumi
                .all([cert.certPem, key.privateKeyPem, args.authority.password, args.authority.bcryptHash])
                .apply(([certPem, keyPem, password, hash]) =>
                    deviceStdin(scriptArgs, { webConfig: renderWebConfig(hash), certPem, keyPem, scrapePassword: password }),
                ),
        );
        // No triggers: a changed address, user or bastion is the same device reached differently. The
        // provider then updates (runs create again, at the new connection) and never deletes through the
        // old one: only `triggers` replace (pulumi-command v1.2.1 provider/pkg/provider/common/inputs.go:10,
        // `provider:"replaceOnChanges"`); `connection` carries no such tag (remote/command.go:46), and
        // Update runs `create` when there is no `update` (remote/commandController.go:76-79).
        const install = new command.remote.Command(
            commandName,
            {
                connection,
                create: deviceCommand("install"),
                delete: deviceCommand("uninstall"),
                stdin,
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn },
        );
        this.installed = install.stdout.apply((out) => parseInstallResult(out) ?? NO_INSTALL_RESULT);
        this.registerOutputs({ installed: this.installed });
    }
}
