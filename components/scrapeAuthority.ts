import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

/** Arguments of a ScrapeAuthority. */
export interface ScrapeAuthorityArgs {
    /** How long the CA is valid, in hours. Defaults to ten years. */
    readonly validityHours?: number;
}

/** The names of a ScrapeAuthority's children, from the component's name. */
export function scrapeAuthorityNames(name: string) {
    return { component: name, caKey: `${name}-ca-key`, ca: `${name}-ca`, password: `${name}-scrape-password` } as const;
}

/**
 * What Prometheus and the devices share: a CA that signs every device's server certificate, and the
 * scrape credentials (the password stays in the stack; devices only get its bcrypt hash).
 */
export class ScrapeAuthority extends pulumi.ComponentResource {
    /** The scrape CA certificate, PEM: Prometheus verifies devices against it. */
    public readonly caCertPem: pulumi.Output<string>;
    /** The CA's private key, PEM (secret): signs each device's certificate. */
    public readonly caPrivateKeyPem: pulumi.Output<string>;
    /** The scrape password (secret), 32 characters. */
    public readonly password: pulumi.Output<string>;
    /** Stable between runs: computed once by the provider, not on every `pulumi up`. */
    public readonly bcryptHash: pulumi.Output<string>;

    constructor(name: string, args: ScrapeAuthorityArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:ScrapeAuthority", name, {}, opts);
        const names = scrapeAuthorityNames(name);
        const key = new tls.PrivateKey(names.caKey, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const ca = new tls.SelfSignedCert(
            names.ca,
            {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                subject: { commonName: "iiot-monitoring scrape CA", organization: "iiot-monitoring" },
                validityPeriodHours: args.validityHours ?? 10 * 365 * 24,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            { parent: this },
        );
        const password = new random.RandomPassword(names.password, { length: 32, special: false }, { parent: this });
        this.caCertPem = ca.certPem;
        this.caPrivateKeyPem = pulumi.secret(key.privateKeyPem);
        this.password = pulumi.secret(password.result);
        this.bcryptHash = pulumi.secret(password.bcryptHash);
        this.registerOutputs({ caCertPem: this.caCertPem, caPrivateKeyPem: this.caPrivateKeyPem, password: this.password, bcryptHash: this.bcryptHash });
    }
}
