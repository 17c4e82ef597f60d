import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { stackCaCertificateSubject } from "../infra/host";

/** Arguments of a GrafanaCertificate. */
export interface GrafanaCertificateArgs {
    /** The host's Elastic IP, which the certificate names. */
    readonly elasticIp: pulumi.Input<string>;
    /** How long the server certificate is valid, in hours. Defaults to 397 days. */
    readonly validityHours?: number;
    /** `pulumi up` re-issues the certificate this long before it expires, in hours. Defaults to 30 days. */
    readonly earlyRenewalHours?: number;
}

/** The names of a GrafanaCertificate's children, from the component's name. */
export function grafanaCertificateNames(name: string) {
    return { component: name, caKey: `${name}-ca-key`, ca: `${name}-ca`, key: `${name}-key`, csr: `${name}-csr`, cert: `${name}-cert` } as const;
}

/**
 * Grafana's certificate when there is no domain: the stack's own CA (exported, so browsers and scripts can
 * trust it) signs a certificate for the Elastic IP and the SSM tunnel's local end (localhost, 127.0.0.1).
 */
export class GrafanaCertificate extends pulumi.ComponentResource {
    /** The stack's Grafana CA certificate, PEM: what browsers and scripts trust. */
    public readonly caCertPem: pulumi.Output<string>;
    /** The server certificate then the CA, PEM, as the HTTPS proxy serves them. */
    public readonly certPem: pulumi.Output<string>;
    /** The server's private key, PEM (secret). */
    public readonly privateKeyPem: pulumi.Output<string>;

    constructor(name: string, args: GrafanaCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:GrafanaCertificate", name, {}, opts);
        const child = { parent: this };
        const names = grafanaCertificateNames(name);
        const caKey = new tls.PrivateKey(names.caKey, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const ca = new tls.SelfSignedCert(
            names.ca,
            {
                privateKeyPem: caKey.privateKeyPem,
                isCaCertificate: true,
                subject: { commonName: "iiot-monitoring Grafana CA", organization: "iiot-monitoring" },
                validityPeriodHours: 10 * 365 * 24,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            child,
        );
        const key = new tls.PrivateKey(names.key, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const subject = pulumi.output(args.elasticIp).apply(stackCaCertificateSubject);
        const csr = new tls.CertRequest(
            names.csr,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: subject.commonName, organization: "iiot-monitoring" },
                ipAddresses: subject.ipAddresses,
                dnsNames: subject.dnsNames,
            },
            child,
        );
        const cert = new tls.LocallySignedCert(
            names.cert,
            {
                certRequestPem: csr.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: ca.certPem,
                validityPeriodHours: args.validityHours ?? 397 * 24,
                earlyRenewalHours: args.earlyRenewalHours ?? 30 * 24,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            },
            child,
        );
        this.caCertPem = ca.certPem;
        // The leaf then the CA: clients that trust the CA verify the chain from what the server sends.
        this.certPem = pulumi.interpolate`${cert.certPem}${ca.certPem}`;
        this.privateKeyPem = pulumi.secret(key.privateKeyPem);
        this.registerOutputs({ caCertPem: this.caCertPem, certPem: this.certPem, privateKeyPem: this.privateKeyPem });
    }
}
