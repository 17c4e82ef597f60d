import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

/** Arguments of a ScrapeAuthority. */
export interface ScrapeAuthorityArgs {
    /** How long the CA is valid, in hours. Defaults to ten years. */
    readonly validityHours?: number;
}

/**
 * What Prometheus and the devices share: a CA that signs every device's server certificate, and the
 * scrape credentials (the password stays in the stack; devices only get its bcrypt hash).
 */
export class ScrapeAuthority extends pulumi.ComponentResource {
    public readonly caCertPem: pulumi.Output<string>;
    public readonly caPrivateKeyPem: pulumi.Output<string>;
    public readonly password: pulumi.Output<string>;
    /** Stable between runs: computed once by the provider, not on every `pulumi up`. */
    public readonly bcryptHash: pulumi.Output<string>;

    constructor(name: string, args: ScrapeAuthorityArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("iiotmon:index:ScrapeAuthority", name, {}, opts);
        const key = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                subject: { commonName: "iiot-monitoring scrape CA", organization: "iiot-monitoring" },
                validityPeriodHours: args.validityHours ?? 10 * 365 * 24,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            { parent: this },
        );
        const password = new random.RandomPassword(`${name}-scrape-password`, { length: 32, special: false }, { parent: this });
        this.caCertPem = ca.certPem;
        this.caPrivateKeyPem = pulumi.secret(key.privateKeyPem);
        this.password = pulumi.secret(password.result);
        this.bcryptHash = pulumi.secret(password.bcryptHash);
        this.registerOutputs({ caCertPem: this.caCertPem });
    }
}
