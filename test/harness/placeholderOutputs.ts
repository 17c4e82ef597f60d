/**
 * Plausible outputs for types whose important outputs are not inputs (see STYLE.md), for tests and
 * benchmarks that need the program to run through, not real keys (the lab computes real ones).
 */
export function placeholderOutputs(type: string, name: string): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: `pw-${name}-0123456789abcdef`, bcryptHash: `$2a$10$mock.hash.for.${name}.000000000000000000000000000` };
        case "tls:index/privateKey:PrivateKey":
            return {
                privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`,
                privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\nmock-${name}\n-----END OPENSSH PRIVATE KEY-----\n`,
                publicKeyPem: `mock-pub-${name}`,
                publicKeyOpenssh: `ssh-ed25519 AAAAmock${name.replace(/[^A-Za-z0-9]/g, "")}\n`,
            };
        case "aws:s3/bucket:Bucket":
            return { bucket: `${name}-bucket`, arn: `arn:aws:s3:::${name}-bucket` };
        case "aws:ec2/eip:Eip":
            return { publicIp: "203.0.113.10", allocationId: `eipalloc-${name}` };
        case "aws:iam/role:Role":
        case "aws:iam/instanceProfile:InstanceProfile":
            return { name, arn: `arn:aws:iam::123456789012:role/${name}` };
        case "aws:amp/workspace:Workspace":
            return { arn: `arn:aws:aps:eu-west-2:123456789012:workspace/ws-${name}`, prometheusEndpoint: `https://aps-workspaces.eu-west-2.amazonaws.com/workspaces/ws-${name}/`, region: "eu-west-2" };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `sha256:mock-${name}` };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n` };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: `mock-csr-${name}` };
        case "command:remote:Command":
        case "command:local:Command":
            return { stdout: `mock stdout of ${name}`, stderr: "" };
        default:
            return {};
    }
}
