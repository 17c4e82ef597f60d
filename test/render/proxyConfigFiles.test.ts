import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runFleetCommand } from "../../infra/cli/fleet";
import { CADDY_CONTAINER_PATHS, proxyConfigFiles } from "../../infra/host";
import { parseSettings, SettingsError, StackSettings } from "../../infra/settings";
import { ROOT } from "../harness";

/**
 * The reverse proxy's files, as `fleet render` writes them and as the stack delivers them: a Caddyfile that
 * the real Caddy accepts, and a private ACME CA's root (setting acmeCaRootPem) that the Caddyfile trusts.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-files-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const settingsOf = (values: Record<string, string>): StackSettings => parseSettings((k) => values[k]);
const openssl = (args: string[]) => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
};
const caddyEnv = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, "data"), XDG_CONFIG_HOME: path.join(dir, "config") };

/** The container's /etc/caddy as the directory the files were written to, so Caddy reads the same files here. */
function caddy(command: "validate" | "adapt", caddyfile: string, caddyDir: string): { status: number | null; output: string } {
    const local = path.join(dir, `Caddyfile-${command}`);
    fs.writeFileSync(local, caddyfile.split(path.posix.dirname(CADDY_CONTAINER_PATHS.caddyfile) + "/").join(`${caddyDir}/`));
    const r = spawnSync("caddy", [command, "--config", local, "--adapter", "caddyfile"], { encoding: "utf8", env: caddyEnv });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("npm run fleet -- render", () => {
    const out = path.join(dir, "rendered");
    let printed = "";

    beforeAll(() => {
        expect(runFleetCommand(["render", "--out", out, path.join(ROOT, "endpoints.yaml")], (s) => (printed += `${s}\n`), (s) => (printed += `${s}\n`))).toBe(0);
    });

    it("writes the Caddyfile among the host's files, with the remote-write receiver of the shipped fleet's collector site", () => {
        expect(printed).toContain(path.join(out, "config/caddy/Caddyfile"));
        const text = fs.readFileSync(path.join(out, "config/caddy/Caddyfile"), "utf8");
        expect(text).toContain("reverse_proxy grafana:3000");
        expect(text).toMatch(/collector-nhv-offshore \$2a\$/);
    });

    it("writes a Caddyfile the real Caddy validates (with a certificate where the stack's CA puts Grafana's)", () => {
        const caddyDir = path.join(dir, "etc-caddy");
        fs.mkdirSync(path.join(caddyDir, "tls"), { recursive: true });
        openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(caddyDir, "tls/grafana.key"), "-out", path.join(caddyDir, "tls/grafana.crt"), "-days", "1", "-subj", "/CN=127.0.0.1"]);
        const r = caddy("validate", fs.readFileSync(path.join(out, "config/caddy/Caddyfile"), "utf8"), caddyDir);
        expect([r.status, /^Valid configuration$/m.test(r.output)]).toEqual([0, true]);
        // And refuses a broken one, so the check means something.
        expect(caddy("validate", fs.readFileSync(path.join(out, "config/caddy/Caddyfile"), "utf8").replace("respond 404", "respond_with 404"), caddyDir).status).not.toBe(0);
    });
});

describe("a private ACME CA's root (setting acmeCaRootPem)", () => {
    let rootPem = "";
    const DOMAIN = { grafanaDomain: "grafana.windfarm.example", acmeCaUrl: "https://ca.windfarm.example:9000/acme/acme/directory" };

    beforeAll(() => {
        openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", "1", "-subj", "/CN=step-ca root", "-addext", "basicConstraints=critical,CA:TRUE"]);
        rootPem = fs.readFileSync(path.join(dir, "root.pem"), "utf8");
    });

    it("is read as given by pulumi config set acmeCaRootPem -- \"$(cat root_ca.crt)\" (no trailing newline), and refused when it is not certificates or has no domain", () => {
        expect(settingsOf({ ...DOMAIN, acmeCaRootPem: rootPem.trimEnd() }).acmeCaRootPem).toBe(rootPem);
        const problem = (values: Record<string, string>) => {
            try {
                settingsOf(values);
                return "";
            } catch (e) {
                expect(e).toBeInstanceOf(SettingsError);
                return (e as Error).message;
            }
        };
        expect(problem({ ...DOMAIN, acmeCaRootPem: fs.readFileSync(path.join(dir, "root.key"), "utf8") })).toMatch(/iiot-monitoring:acmeCaRootPem must be one or more PEM certificates/);
        expect(problem({ acmeCaRootPem: rootPem })).toMatch(/iiot-monitoring:acmeCaRootPem is only used with grafanaDomain/);
    });

    it("goes to the host beside the Caddyfile, which trusts it for the ACME CA: Caddy's own JSON shows it, and Caddy loads it", () => {
        const files = proxyConfigFiles({ settings: settingsOf({ ...DOMAIN, acmeCaRootPem: rootPem }), elasticIp: "203.0.113.10", collectors: [] });
        expect(Object.keys(files).sort()).toEqual(["config/caddy/Caddyfile", "config/caddy/acme-ca-root.pem"]);
        expect(files["config/caddy/acme-ca-root.pem"]).toBe(rootPem);
        const caddyDir = path.join(dir, "etc-caddy-acme");
        fs.mkdirSync(caddyDir, { recursive: true });
        for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(caddyDir, path.basename(rel)), text);

        const adapted = caddy("adapt", files["config/caddy/Caddyfile"], caddyDir);
        expect(adapted.status).toBe(0);
        const json = JSON.parse(adapted.output.slice(adapted.output.indexOf("{"), adapted.output.lastIndexOf("}") + 1)) as { apps: { tls: { automation: { policies: { subjects?: string[]; issuers: { module: string; ca: string; trusted_roots_pem_files?: string[] }[] }[] } } } };
        const policy = json.apps.tls.automation.policies.find((p) => p.subjects?.includes(DOMAIN.grafanaDomain));
        expect(policy?.issuers).toEqual([expect.objectContaining({ module: "acme", ca: DOMAIN.acmeCaUrl, trusted_roots_pem_files: [path.join(caddyDir, "acme-ca-root.pem")] })]);
        expect(caddy("validate", files["config/caddy/Caddyfile"], caddyDir).status).toBe(0);

        // Without the setting, Caddy trusts the system's roots for a public CA: no root file, no trusted_roots.
        const plain = proxyConfigFiles({ settings: settingsOf(DOMAIN), elasticIp: "203.0.113.10", collectors: [] });
        expect(Object.keys(plain)).toEqual(["config/caddy/Caddyfile"]);
        expect(plain["config/caddy/Caddyfile"]).not.toContain("trusted_roots");
    });
});
