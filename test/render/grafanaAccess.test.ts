import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { grafanaTls, grafanaUrl } from "../../infra/host/grafanaAccess";
import { renderCaddyfile } from "../../infra/host/caddyfile";
import { grafanaSettings } from "../../infra/host/grafanaSettings";
import { hostIngressRules } from "../../infra/host/ingressRules";
import { parseSettings, SettingsError, StackSettings } from "../../infra/settings/settings";

/** The pure parts of Grafana's access: the Caddyfile (checked by `caddy validate`), the ingress rules, Grafana's settings. */
const settingsOf = (values: Record<string, string>): StackSettings => parseSettings((k) => values[k]);
const EIP = "203.0.113.10";

function caddyValidate(text: string): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "caddyfile-"));
    try {
        // The stack-CA mode loads its certificate while validating: give it one.
        spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-days", "1", "-subj", `/CN=${EIP}`], { cwd: dir });
        const file = path.join(dir, "Caddyfile");
        fs.writeFileSync(file, text.replace(/\/etc\/caddy\/tls\/grafana\.crt/g, path.join(dir, "c.pem")).replace(/\/etc\/caddy\/tls\/grafana\.key/g, path.join(dir, "k.pem")));
        const r = spawnSync("caddy", ["validate", "--config", file, "--adapter", "caddyfile"], { encoding: "utf8", env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the Caddyfile", () => {
    const modes: [string, StackSettings][] = [
        ["stack CA", settingsOf({})],
        ["ACME, Let's Encrypt", settingsOf({ grafanaDomain: "grafana.example.com", acmeEmail: "ops@example.com" })],
        ["ACME, private CA", settingsOf({ grafanaDomain: "grafana.corp.example", acmeCaUrl: "https://ca.corp.example:9000/acme/acme/directory" })],
    ];

    it.each(modes)("is valid for Caddy (%s)", (_, s) => {
        const r = caddyValidate(renderCaddyfile({ tls: grafanaTls(s, EIP), upstream: "grafana:3000" }));
        expect([r.status, /^Valid configuration$/m.test(r.output)]).toEqual([0, true]);
    });

    it("is refused by Caddy when broken, so the check above means something", () => {
        const text = renderCaddyfile({ tls: grafanaTls(settingsOf({}), EIP), upstream: "grafana:3000" }).replace("redir https", "redirect https");
        expect(caddyValidate(text).status).not.toBe(0);
    });

    it("proxies to Grafana only over HTTPS; port 80 has nothing but the redirect", () => {
        const text = renderCaddyfile({ tls: grafanaTls(settingsOf({}), EIP), upstream: "grafana:3000" });
        const http = text.slice(text.indexOf("http://:80 {"));
        expect(http).not.toContain("reverse_proxy");
        expect(http).toContain("redir https://{host}{uri} 308");
        expect(text.match(/reverse_proxy/g)).toHaveLength(1);
        expect(text).toContain(`default_sni ${EIP}`);
    });
});

describe("the ingress rules", () => {
    const ports = (s: StackSettings) => hostIngressRules(s).map((r) => `${r.port} ${r.cidr}`);

    it("never open Grafana's own port, in any mode", () => {
        for (const s of [settingsOf({ adminCidrs: '["0.0.0.0/0"]' }), settingsOf({ adminCidrs: '["10.0.0.0/8"]', grafanaDomain: "g.example.com" })]) {
            for (const r of hostIngressRules(s)) expect([22, 80, 443]).toContain(r.port);
        }
    });

    it("are none at all without public ingress, whatever the admin CIDRs", () => {
        expect(hostIngressRules(settingsOf({ publicIngress: "false", adminCidrs: '["10.0.0.0/8"]' }))).toEqual([]);
    });

    it("do not repeat a CIDR the admins already have on port 80 (AWS refuses duplicates)", () => {
        expect(ports(settingsOf({ grafanaDomain: "g.example.com", adminCidrs: '["0.0.0.0/0"]' }))).toEqual(["22 0.0.0.0/0", "443 0.0.0.0/0", "80 0.0.0.0/0", "80 ::/0"]);
    });
});

describe("Grafana's settings", () => {
    it("refuse a root URL that is not HTTPS", () => {
        expect(() => grafanaSettings({ rootUrl: `http://${EIP}:3000/` })).toThrow(/must be https/);
    });

    it("give the URL people open: domain, Elastic IP, or the SSM tunnel's end", () => {
        expect(grafanaUrl(settingsOf({ grafanaDomain: "grafana.example.com" }), EIP)).toBe("https://grafana.example.com/");
        expect(grafanaUrl(settingsOf({}), EIP)).toBe(`https://${EIP}/`);
        expect(grafanaUrl(settingsOf({ publicIngress: "false", grafanaTunnelPort: "9443" }), EIP)).toBe("https://localhost:9443/");
    });

    it("make every single sign-on user a Viewer unless the role mapping says otherwise", () => {
        const env = grafanaSettings({ rootUrl: `https://${EIP}/`, oauth: settingsOf({ oauthClientId: "c", oauthAuthUrl: "https://idp.example/auth", oauthTokenUrl: "https://idp.example/token" }).grafanaOAuth });
        expect(env).toContain("GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH='Viewer'");
        expect(env).toContain("GF_AUTH_GENERIC_OAUTH_USE_PKCE=true");
        expect(env.filter((e) => /SECRET|PASSWORD/.test(e))).toEqual([]);
    });
});

describe("the access settings", () => {
    const problems = (values: Record<string, string>) => {
        try {
            settingsOf(values);
            return [];
        } catch (e) {
            return (e as SettingsError).problems;
        }
    };

    it("refuse a domain without public ingress (the ACME CA could not validate it)", () => {
        expect(problems({ grafanaDomain: "grafana.example.com", publicIngress: "false" })).toEqual([expect.stringMatching(/^iiot-monitoring:grafanaDomain needs publicIngress/)]);
    });

    it("name every bad value by its key", () => {
        expect(problems({ grafanaDomain: "203.0.113.10", acmeCaUrl: "http://ca.example/dir", oauthClientId: "c", acmeChallengeCidrs: '["anywhere"]' })).toEqual([
            expect.stringMatching(/^iiot-monitoring:grafanaDomain "203.0.113.10" is not a DNS name/),
            'iiot-monitoring:acmeCaUrl "http://ca.example/dir" is not an https:// URL',
            'iiot-monitoring:acmeChallengeCidrs[0] "anywhere" is not a CIDR (address/prefix, e.g. 203.0.113.0/24)',
            expect.stringMatching(/^iiot-monitoring:oauthAuthUrl is required with oauthClientId/),
            expect.stringMatching(/^iiot-monitoring:oauthTokenUrl is required with oauthClientId/),
        ]);
        expect(problems({ oauthAuthUrl: "https://idp.example/auth" })).toEqual([expect.stringMatching(/^iiot-monitoring:oauthClientId is required/)]);
    });
});
