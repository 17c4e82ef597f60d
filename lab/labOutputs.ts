import bcrypt from "bcryptjs";
import { createHash, generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./exec";
import { BRIDGE_IP } from "./paths";

type Outputs = Record<string, unknown>;

/** Runs openssl in a scratch directory with the given files; returns the content of `out`. */
function openssl(files: Record<string, string>, args: (dir: string) => string[], out: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tls-"));
    try {
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
        run("openssl", args(dir), { cwd: dir });
        return fs.readFileSync(path.join(dir, out), "utf8");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function subject(inputs: Outputs): string {
    const s = (inputs.subject ?? {}) as { commonName?: string; organization?: string };
    return `/CN=${s.commonName ?? "lab"}${s.organization ? `/O=${s.organization}` : ""}`;
}

function days(inputs: Outputs): string {
    return String(Math.max(1, Math.ceil(Number(inputs.validityPeriodHours ?? 24 * 365) / 24)));
}

/** Real keys, certificates and passwords, computed the way the tls and random providers would. */
function compute(type: string, inputs: Outputs): Outputs {
    switch (type) {
        case "tls:index/privateKey:PrivateKey": {
            if (inputs.algorithm === "ED25519") {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-ed25519-"));
                try {
                    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path.join(dir, "k")]);
                    return { privateKeyOpenssh: fs.readFileSync(path.join(dir, "k"), "utf8"), publicKeyOpenssh: fs.readFileSync(path.join(dir, "k.pub"), "utf8") };
                } finally {
                    fs.rmSync(dir, { recursive: true, force: true });
                }
            }
            const { privateKey, publicKey } = generateKeyPairSync("ec", {
                namedCurve: "prime256v1",
                privateKeyEncoding: { type: "pkcs8", format: "pem" },
                publicKeyEncoding: { type: "spki", format: "pem" },
            });
            return { privateKeyPem: privateKey, publicKeyPem: publicKey };
        }
        case "tls:index/selfSignedCert:SelfSignedCert":
            return {
                certPem: openssl(
                    { "ca.key": String(inputs.privateKeyPem) },
                    () => ["req", "-x509", "-new", "-key", "ca.key", "-subj", subject(inputs), "-days", days(inputs),
                        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature", "-out", "ca.crt"],
                    "ca.crt",
                ),
            };
        case "tls:index/certRequest:CertRequest": {
            const sans = [
                ...((inputs.dnsNames as string[] | undefined) ?? []).map((n) => `DNS:${n}`),
                ...((inputs.ipAddresses as string[] | undefined) ?? []).map((n) => `IP:${n}`),
            ];
            return {
                certRequestPem: openssl(
                    { "k.key": String(inputs.privateKeyPem) },
                    () => ["req", "-new", "-key", "k.key", "-subj", subject(inputs), ...(sans.length ? ["-addext", `subjectAltName=${sans.join(",")}`] : []), "-out", "k.csr"],
                    "k.csr",
                ),
            };
        }
        case "tls:index/locallySignedCert:LocallySignedCert":
            return {
                certPem: openssl(
                    {
                        "k.csr": String(inputs.certRequestPem),
                        "ca.crt": String(inputs.caCertPem),
                        "ca.key": String(inputs.caPrivateKeyPem),
                        "ext.cnf": "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
                    },
                    () => ["x509", "-req", "-in", "k.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", `0x${randomBytes(8).toString("hex")}`,
                        "-days", days(inputs), "-copy_extensions", "copy", "-extfile", "ext.cnf", "-out", "k.crt"],
                    "k.crt",
                ),
            };
        case "random:index/randomPassword:RandomPassword": {
            const result = randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, Number(inputs.length ?? 32));
            return { result, bcryptHash: bcrypt.hashSync(result, 10) };
        }
        case "command:remote:Command":
            return { stdout: "", stderr: "" };
        // The "monitoring host" of the lab is the bridge's address: what collectors remote-write to stays in the lab.
        case "aws:ec2/eip:Eip":
            return { publicIp: BRIDGE_IP, allocationId: "eipalloc-lab" };
        default:
            return {};
    }
}

/**
 * Like Pulumi's state for the lab: a resource whose inputs did not change keeps its outputs between
 * applies (same key, same certificate, same password), so a re-run of an unchanged fleet is a no-op.
 * The file holds secrets, as Pulumi state does; it is mode 0600 under the git-ignored lab directory.
 */
export class LabOutputStore {
    private readonly entries: Record<string, { inputs: string; outputs: Outputs }>;

    constructor(private readonly file: string) {
        this.entries = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    }

    outputs = (type: string, name: string, inputs: Outputs): Outputs => {
        const key = `${type}::${name}`;
        const digest = createHash("sha256").update(JSON.stringify(inputs)).digest("hex");
        const hit = this.entries[key];
        if (hit && hit.inputs === digest) return hit.outputs;
        const outputs = compute(type, inputs);
        this.entries[key] = { inputs: digest, outputs };
        return outputs;
    };

    save(): void {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        fs.writeFileSync(this.file, JSON.stringify(this.entries), { mode: 0o600 });
    }
}
