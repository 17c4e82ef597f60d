import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/device/checksums";
import { parseSettings, StackSettings } from "../../infra/settings/settings";
import { GRAFANA_ADMIN_RESET } from "../../components/grafanaAdminPassword";
import { allRegistered, placeholderOutputs, recordResources, MockRun, RecordedResource } from "../harness";
import { device, HEAD } from "../fleet/malformedCases";
import { STACK_RESOURCES } from "../../infra/program/stack";

/**
 * How people reach Grafana, under mocks, in the three access modes: the stack's CA for the Elastic IP,
 * a domain with ACME, and no public ingress at all (SSM port forwarding).
 */
jest.setTimeout(120_000);

const checksums = loadChecksums();
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n";
const OAUTH_SECRET = "oauth-client-secret-value-0123";
const ADMIN_PASSWORD = "configured-admin-password-4567";
const ADMIN_CIDRS = ["203.0.113.0/24", "2001:db8::/48"];

const fleet = (() => {
    const r = parseFleet(HEAD + device("d0", "10.0.0.1") + device("d1", "10.0.0.2"), { file: "endpoints.yaml", checksums });
    if (!r.fleet) throw new Error(JSON.stringify(r.problems));
    return r.fleet;
})();

function settingsOf(values: Record<string, string>): StackSettings {
    return parseSettings((k) => ({ amiId: "ami-0123456789abcdef0", adminCidrs: JSON.stringify(ADMIN_CIDRS), ...values })[k]);
}

interface Built {
    run: MockRun;
    outputs: Record<string, unknown>;
}

async function build(settings: StackSettings, grafanaSecrets = {}): Promise<Built> {
    const run = await recordResources("prod");
    const { buildStack } = await import("../../infra/program/stack");
    const out = buildStack({ settings, fleet, checksums, secrets: new Map([["deviceSshKey", pulumi.secret(SSH_KEY)]]), grafanaSecrets });
    const outputs: Record<string, unknown> = {};
    await new Promise<void>((resolve) =>
        pulumi.all({ url: out.grafanaUrl, ca: out.grafanaCaCertPem, id: out.monitoringHostId }).apply((o) => {
            Object.assign(outputs, o);
            resolve();
        }),
    );
    await allRegistered();
    return { run, outputs };
}

const ingress = (b: Built) => b.run.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => `${r.inputs.fromPort}-${r.inputs.toPort} ${r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6}`).sort();
const container = (b: Built, name: string) => b.run.byType("docker:index/container:Container").find((c) => c.inputs.name === name) as RecordedResource;
const published = (c: RecordedResource) => ((c.inputs.ports ?? []) as { ip?: string; external: number }[]).map((p) => `${p.ip ?? "0.0.0.0"}:${p.external}`).sort();
const hostFiles = (b: Built) => {
    const stdin = b.run.named(STACK_RESOURCES.hostConfiguration.files).inputs.stdin as string;
    const files: Record<string, string> = {};
    for (const m of stdin.matchAll(/@@file (\S+) \S+ \S+\n([\s\S]*?)(?=@@file |@@end\n)/g)) files[m[1]] = m[2];
    return files;
};
const envOf = (c: RecordedResource) => Object.fromEntries((c.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

describe("without a domain: the stack's CA signs a certificate for the Elastic IP", () => {
    let b: Built;
    beforeAll(async () => {
        b = await build(settingsOf({}));
    });

    it("gives an HTTPS URL on the Elastic IP and exports the CA", () => {
        expect(b.outputs.url).toBe("https://203.0.113.10/");
        expect(b.outputs.ca).toMatch(/BEGIN CERTIFICATE/);
        expect(b.outputs.id).toBeTruthy();
    });

    it("opens no security-group rule to Grafana's own port, to anyone", () => {
        for (const r of b.run.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
            expect(Number(r.inputs.fromPort) <= 3000 && Number(r.inputs.toPort) >= 3000).toBe(false);
        }
        expect(ingress(b)).toEqual(["22-22 2001:db8::/48", "22-22 203.0.113.0/24", "443-443 2001:db8::/48", "443-443 203.0.113.0/24", "80-80 2001:db8::/48", "80-80 203.0.113.0/24"]);
        expect(published(container(b, "grafana"))).toEqual(["127.0.0.1:3000"]);
        expect(published(container(b, "caddy"))).toEqual(["0.0.0.0:443", "0.0.0.0:80"]);
    });

    it("names the Elastic IP and the tunnel's end in the certificate, for server use only", () => {
        const csr = b.run.byType("tls:index/certRequest:CertRequest").find((r) => r.name === STACK_RESOURCES.grafanaCertificate.csr) as RecordedResource;
        expect([csr.inputs.ipAddresses, csr.inputs.dnsNames]).toEqual([["203.0.113.10", "127.0.0.1"], ["localhost"]]);
        const cert = b.run.byType("tls:index/locallySignedCert:LocallySignedCert").find((r) => r.name === STACK_RESOURCES.grafanaCertificate.cert) as RecordedResource;
        expect(cert.inputs.allowedUses).toEqual(["digital_signature", "key_encipherment", "server_auth"]);
        expect(cert.inputs.earlyRenewalHours).toBeGreaterThan(0);
    });

    it("delivers the Caddyfile, the certificate and its key (0400) with the host configuration, as a secret", () => {
        const r = b.run.named(STACK_RESOURCES.hostConfiguration.files);
        expect(r.secretPaths).toContain("stdin");
        const files = hostFiles(b);
        expect(files["config/caddy/Caddyfile"]).toContain("https://203.0.113.10, https://127.0.0.1, https://localhost {");
        expect(files["config/caddy/Caddyfile"]).toContain("reverse_proxy grafana:3000");
        expect(files["config/caddy/tls/grafana.crt"]).toMatch(/mock-grafana-tls-cert[\s\S]*mock-grafana-tls-ca/);
        expect(r.inputs.stdin).toMatch(/@@file config\/caddy\/tls\/grafana.key 0400 0\n/);
    });

    it("hardens Grafana: no sign-up, no anonymous access, secure cookies, viewers by default, HTTPS root URL", () => {
        const env = envOf(container(b, "grafana"));
        expect(env).toMatchObject({
            GF_USERS_ALLOW_SIGN_UP: "false",
            GF_AUTH_ANONYMOUS_ENABLED: "false",
            GF_SECURITY_COOKIE_SECURE: "true",
            GF_USERS_AUTO_ASSIGN_ORG_ROLE: "Viewer",
            GF_USERS_ALLOW_ORG_CREATE: "false",
            GF_SERVER_ROOT_URL: "https://203.0.113.10/",
        });
        expect(env.GF_AUTH_GENERIC_OAUTH_ENABLED).toBeUndefined();
        // One place decides each setting: a variable given twice would let the later one win silently.
        const names = (container(b, "grafana").inputs.envs as string[]).map((e) => e.slice(0, e.indexOf("=")));
        expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    });

    it("sets the admin password from the stack's secret after Grafana starts, on stdin, and again on rotation", () => {
        const reset = b.run.named(STACK_RESOURCES.grafanaAdmin.reset);
        expect(reset.inputs.create).toBe(GRAFANA_ADMIN_RESET);
        expect(reset.secretPaths).toContain("stdin");
        // The generated password (the mocks' RandomPassword result) is what the reset receives.
        const generated = placeholderOutputs("random:index/randomPassword:RandomPassword", b.run.named(STACK_RESOURCES.grafanaAdminSecret).name).result as string;
        expect(reset.inputs.stdin).toBe(`${generated}\n`);
        expect(envOf(container(b, "grafana")).GF_SECURITY_ADMIN_PASSWORD).toBe(generated);
    });
});

describe("with a domain: certificates from ACME", () => {
    it("asks Let's Encrypt by default and lets the CA's validators reach port 80 only", async () => {
        const b = await build(settingsOf({ grafanaDomain: "Grafana.Example.com", acmeEmail: "ops@example.com" }));
        expect(b.outputs.url).toBe("https://grafana.example.com/");
        expect(b.outputs.ca).toBeUndefined();
        expect(b.run.byType("tls:index/locallySignedCert:LocallySignedCert").filter((r) => Object.values(STACK_RESOURCES.grafanaCertificate).includes(r.name))).toEqual([]);
        const caddyfile = hostFiles(b)["config/caddy/Caddyfile"];
        expect(caddyfile).toContain("https://grafana.example.com {");
        expect(caddyfile).toContain("dir https://acme-v02.api.letsencrypt.org/directory");
        expect(caddyfile).toContain("email ops@example.com");
        expect(ingress(b)).toEqual([
            "22-22 2001:db8::/48", "22-22 203.0.113.0/24", "443-443 2001:db8::/48", "443-443 203.0.113.0/24",
            "80-80 0.0.0.0/0", "80-80 2001:db8::/48", "80-80 203.0.113.0/24", "80-80 ::/0",
        ]);
        expect(envOf(container(b, "grafana")).GF_SERVER_ROOT_URL).toBe("https://grafana.example.com/");
    });

    it("uses a private ACME server and narrows the challenge port to it when told", async () => {
        const b = await build(settingsOf({ grafanaDomain: "grafana.corp.example", acmeCaUrl: "https://ca.corp.example/acme/acme/directory", acmeChallengeCidrs: JSON.stringify(["10.20.0.0/16"]) }));
        expect(hostFiles(b)["config/caddy/Caddyfile"]).toContain("dir https://ca.corp.example/acme/acme/directory");
        expect(ingress(b).filter((r) => r.startsWith("80-80"))).toEqual(["80-80 10.20.0.0/16", "80-80 2001:db8::/48", "80-80 203.0.113.0/24"]);
    });

    it("delivers a private ACME CA's root (acmeCaRootPem) beside the Caddyfile, which trusts it for that CA", async () => {
        const root = "-----BEGIN CERTIFICATE-----\nMIIBhTCCASugAwIBAgIUcorpRoot\n-----END CERTIFICATE-----";
        const b = await build(settingsOf({ grafanaDomain: "grafana.corp.example", acmeCaUrl: "https://ca.corp.example/acme/acme/directory", acmeCaRootPem: root }));
        const files = hostFiles(b);
        expect(files["config/caddy/acme-ca-root.pem"]).toBe(`${root}\n`);
        expect(files["config/caddy/Caddyfile"]).toContain("trusted_roots /etc/caddy/acme-ca-root.pem");
    });
});

describe("without public ingress: SSM port forwarding only", () => {
    let b: Built;
    beforeAll(async () => {
        b = await build(settingsOf({ publicIngress: "false" }));
    });

    it("has no ingress rule at all, and publishes the proxy on the host's loopback only", () => {
        expect(b.run.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual([]);
        const sg = b.run.byType("aws:ec2/securityGroup:SecurityGroup")[0];
        expect(sg.inputs.ingress ?? []).toEqual([]);
        expect(published(container(b, "caddy"))).toEqual(["127.0.0.1:443"]);
        for (const c of b.run.byType("docker:index/container:Container")) for (const p of published(c)) expect(p).toMatch(/^127\.0\.0\.1:/);
    });

    it("deploys through the SSH tunnel and serves Grafana at the HTTPS tunnel's end", () => {
        expect(b.outputs.url).toBe("https://localhost:8443/");
        const conn = b.run.named(STACK_RESOURCES.hostConfiguration.files).inputs.connection as { host: string; port: number };
        expect([conn.host, conn.port]).toEqual(["127.0.0.1", 2222]);
        expect(envOf(container(b, "grafana")).GF_SERVER_ROOT_URL).toBe("https://localhost:8443/");
    });
});

describe("single sign-on and secrets", () => {
    let b: Built;
    beforeAll(async () => {
        b = await build(
            settingsOf({
                oauthClientId: "grafana-client",
                oauthName: "Microsoft Entra ID",
                oauthAuthUrl: "https://login.microsoftonline.com/TENANT/oauth2/v2.0/authorize",
                oauthTokenUrl: "https://login.microsoftonline.com/TENANT/oauth2/v2.0/token",
                oauthRoleAttributePath: "contains(roles[*], 'grafana-admin') && 'Admin' || contains(roles[*], 'grafana-editor') && 'Editor' || 'Viewer'",
            }),
            { oauthClientSecret: pulumi.secret(OAUTH_SECRET), adminPassword: pulumi.secret(ADMIN_PASSWORD) },
        );
    });

    it("configures generic OAuth with the role mapping, never Grafana server admin", () => {
        const env = envOf(container(b, "grafana"));
        expect(env).toMatchObject({
            GF_AUTH_GENERIC_OAUTH_ENABLED: "true",
            GF_AUTH_GENERIC_OAUTH_NAME: "Microsoft Entra ID",
            GF_AUTH_GENERIC_OAUTH_CLIENT_ID: "grafana-client",
            GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: OAUTH_SECRET,
            GF_AUTH_GENERIC_OAUTH_SCOPES: "openid email profile",
            GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH: expect.stringContaining("'Admin'"),
            GF_AUTH_GENERIC_OAUTH_ALLOW_ASSIGN_GRAFANA_ADMIN: "false",
            GF_USERS_ALLOW_SIGN_UP: "false",
        });
    });

    it("keeps Grafana's secrets (admin password, OAuth client secret, database passwords) out of plain inputs", () => {
        const grafana = container(b, "grafana");
        expect(grafana.secretPaths).toContain("envs");
        const secrets = [OAUTH_SECRET, ADMIN_PASSWORD, "pw-"];
        const leaks: string[] = [];
        for (const r of b.run.resources) {
            const plain = JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretPaths.includes(k))));
            for (const s of secrets) if (plain.includes(s)) leaks.push(`${r.name} holds ${s}`);
        }
        expect(leaks).toEqual([]);
        expect(envOf(grafana).GF_SECURITY_ADMIN_PASSWORD).toBe(ADMIN_PASSWORD);
        expect(b.run.named(STACK_RESOURCES.grafanaAdmin.reset).inputs.stdin).toBe(`${ADMIN_PASSWORD}\n`);
        expect(b.run.resources.find((r) => r.name === STACK_RESOURCES.grafanaAdminSecret)).toBeUndefined();
    });
});
