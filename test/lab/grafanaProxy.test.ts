import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { grafanaTls, stackCaCertificateSubject } from "../../infra/host/grafanaAccess";
import { CADDY_CONTAINER_PATHS, renderCaddyfile, SECURITY_HEADERS } from "../../infra/host/caddyfile";
import { serviceAddress } from "../../infra/host/hostLayout";
import { proxyConfigFiles } from "../../infra/host/proxyConfigFiles";
import { ProxyNamespace } from "../../lab/proxyNamespace";
import { DEFAULT_SETTINGS_FOR_TESTS } from "../harness";

/**
 * The rendered Caddyfile served by Debian's real Caddy in a network namespace that stands in for the
 * monitoring host, in front of a stand-in Grafana on the namespace's loopback (as the real one is
 * published on the host's loopback only). Requests come from the root namespace: the outside world.
 */
jest.setTimeout(180_000);

/** The Elastic IP as clients use it. It is on no interface, as on EC2 where the instance sees only its private address. */
const ELASTIC_IP = "203.0.113.10";
const GRAFANA = "127.0.0.1:3000";

/** Answers like Grafana would be reached: echoes what the proxy forwarded, and sends a Server header the proxy must drop. */
const STAND_IN_GRAFANA = `
require("http").createServer((req, res) => {
  res.setHeader("Server", "stand-in-grafana");
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify({ standIn: true, method: req.method, url: req.url, host: req.headers.host, proto: req.headers["x-forwarded-proto"] || null }));
}).listen(3000, "127.0.0.1");`;

interface CurlResult {
    status: number;
    headers: Record<string, string>;
    body: string;
    exit: number | null;
    stderr: string;
}

/** curl from the root namespace (outside), with the response headers parsed. */
function curl(args: string[]): CurlResult {
    const r = spawnSync("curl", ["-sS", "--max-time", "10", "-D", "-", ...args], { encoding: "utf8" });
    const [head, ...rest] = (r.stdout ?? "").split(/\r\n\r\n/);
    const lines = head.split(/\r\n/);
    const status = Number(/^HTTP\/\S+ (\d+)/.exec(lines[0] ?? "")?.[1] ?? 0);
    const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
    return { status, headers, body: rest.join("\r\n\r\n"), exit: r.status, stderr: r.stderr ?? "" };
}

function openssl(args: string[], cwd: string): void {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A CA and a server certificate with the subject the stack's @pulumi/tls resources get (stackCaCertificateSubject). */
function stackCa(dir: string): { ca: string; cert: string; key: string } {
    const s = stackCaCertificateSubject(ELASTIC_IP);
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=iiot-monitoring Grafana CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"], dir);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "grafana.key", "-out", "grafana.csr", "-subj", `/CN=${s.commonName}`], dir);
    const san = [...s.ipAddresses.map((ip) => `IP:${ip}`), ...s.dnsNames.map((d) => `DNS:${d}`)].join(",");
    fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${san}\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
    openssl(["x509", "-req", "-in", "grafana.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "grafana.crt", "-days", "1", "-extfile", "ext.cnf"], dir);
    return { ca: path.join(dir, "ca.pem"), cert: path.join(dir, "grafana.crt"), key: path.join(dir, "grafana.key") };
}

describe("Grafana behind Caddy, with the stack's CA (no domain)", () => {
    const ns = new ProxyNamespace("iiot16-proxy", "10.216.16");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iiot16-proxy-"));
    let files: { ca: string; cert: string; key: string };
    const via = (port: number, host = ELASTIC_IP) => ["--connect-to", `${host}:${port}:${ns.insideIp}:${port}`];

    beforeAll(async () => {
        files = stackCa(dir);
        const tls = grafanaTls(DEFAULT_SETTINGS_FOR_TESTS, ELASTIC_IP);
        if (tls.kind !== "stack-ca") throw new Error("expected the stack-CA mode without a domain");
        const caddyfile = path.join(dir, "Caddyfile");
        fs.writeFileSync(caddyfile, renderCaddyfile({ tls: { ...tls, certFile: files.cert, keyFile: files.key }, upstream: GRAFANA }));
        ns.create();
        const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, "data"), XDG_CONFIG_HOME: path.join(dir, "config") };
        ns.start("node", ["-e", STAND_IN_GRAFANA], { log: path.join(dir, "grafana.log") });
        ns.start("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], { env, log: path.join(dir, "caddy.log") });
        await ns.waitFor("the stand-in Grafana", () => ns.exec("curl", ["-fsS", `http://${GRAFANA}/`]).status === 0, path.join(dir, "grafana.log"));
        await ns.waitFor("caddy", () => curl(["-k", ...via(443), `https://${ELASTIC_IP}/`]).status === 200, path.join(dir, "caddy.log"));
    });
    afterAll(async () => {
        await ns.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("serves Grafana over HTTPS with a certificate the stack's CA signed for the Elastic IP", () => {
        const r = curl(["--cacert", files.ca, ...via(443), `https://${ELASTIC_IP}/api/health`]);
        expect([r.exit, r.status]).toEqual([0, 200]);
        expect(JSON.parse(r.body)).toMatchObject({ standIn: true, url: "/api/health", host: ELASTIC_IP, proto: "https" });
    });

    it("is refused by a client that does not trust the stack's CA", () => {
        const r = curl([...via(443), `https://${ELASTIC_IP}/`]);
        expect(r.exit).toBe(60); // curl: peer certificate cannot be authenticated with known CA certificates
    });

    it("serves the same certificate to the SSM tunnel's end (https://localhost:8443)", () => {
        const r = curl(["--cacert", files.ca, "--connect-to", `localhost:8443:${ns.insideIp}:443`, "https://localhost:8443/login"]);
        expect([r.exit, r.status, JSON.parse(r.body).url]).toEqual([0, 200, "/login"]);
    });

    it("sends HSTS and the usual security headers, and hides the servers' names", () => {
        const r = curl(["--cacert", files.ca, ...via(443), `https://${ELASTIC_IP}/`]);
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect([k, r.headers[k.toLowerCase()]]).toEqual([k, v]);
        expect(r.headers["strict-transport-security"]).toMatch(/max-age=31536000/);
        expect(r.headers.server).toBeUndefined();
    });

    it("answers plain HTTP with a redirect to HTTPS only, never with Grafana", () => {
        for (const [method, url] of [["GET", "/login"], ["POST", "/api/user/password"], ["GET", "/api/health?x=1"]]) {
            const r = curl(["-X", method, ...via(80), `http://${ELASTIC_IP}${url}`]);
            expect([method, url, r.status, r.headers.location]).toEqual([method, url, 308, `https://${ELASTIC_IP}${url}`]);
            expect(r.body).not.toContain("standIn");
        }
    });

    it("leaves Grafana's own port unreachable from outside the host", () => {
        const outside = curl([`http://${ns.insideIp}:3000/`]);
        expect(outside.exit).toBe(7); // curl: failed to connect
        // It is there, on the host's loopback, where the proxy (and an SSM port forward) reach it.
        expect(JSON.parse(ns.exec("curl", ["-fsS", `http://${GRAFANA}/x`]).stdout)).toMatchObject({ standIn: true, url: "/x" });
    });
});

/** Pebble's own API certificate (it speaks ACME over HTTPS only), and the CA Caddy trusts it by. */
function pebbleApiCertificate(dir: string): { ca: string; cert: string; key: string } {
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "api-ca.key", "-out", "api-ca.pem", "-days", "2", "-subj", "/CN=lab ACME API CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], dir);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "api.key", "-out", "api.csr", "-subj", "/CN=127.0.0.1"], dir);
    fs.writeFileSync(path.join(dir, "api.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    openssl(["x509", "-req", "-in", "api.csr", "-CA", "api-ca.pem", "-CAkey", "api-ca.key", "-CAcreateserial", "-out", "api.crt", "-days", "1", "-extfile", "api.cnf"], dir);
    return { ca: path.join(dir, "api-ca.pem"), cert: path.join(dir, "api.crt"), key: path.join(dir, "api.key") };
}

describe("Grafana behind Caddy, with a domain and certificates from an ACME CA (Debian's Pebble)", () => {
    const ns = new ProxyNamespace("iiot16-acme", "10.216.17");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iiot16-acme-"));
    const DOMAIN = "grafana.iiotmon.test";
    let issuingRoot = "";
    const via = (port: number) => ["--connect-to", `${DOMAIN}:${port}:${ns.insideIp}:${port}`];

    beforeAll(async () => {
        const api = pebbleApiCertificate(dir);
        fs.writeFileSync(
            path.join(dir, "pebble.json"),
            JSON.stringify({ pebble: { listenAddress: "127.0.0.1:14000", managementListenAddress: "127.0.0.1:15000", certificate: api.cert, privateKey: api.key, httpPort: 80, tlsPort: 443, ocspResponderURL: "", externalAccountBindingRequired: false } }),
        );
        // Pebble is a private ACME CA: its root reaches Caddy through the setting acmeCaRootPem, in the files the
        // stack writes to the host's config/caddy (here a directory of the test, in place of the container's /etc/caddy).
        const settings = { ...DEFAULT_SETTINGS_FOR_TESTS, grafanaDomain: DOMAIN, acmeCaUrl: "https://127.0.0.1:14000/dir", acmeCaRootPem: fs.readFileSync(api.ca, "utf8") };
        const files = proxyConfigFiles({ settings, elasticIp: ELASTIC_IP, collectors: [] });
        const caddyDir = path.join(dir, "etc-caddy");
        fs.mkdirSync(caddyDir);
        for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(caddyDir, path.basename(rel)), text);
        const caddyfile = path.join(caddyDir, "Caddyfile");
        const mount = `${path.posix.dirname(CADDY_CONTAINER_PATHS.caddyfile)}/`;
        // Grafana is the stand-in on the namespace's loopback, not the host's container.
        fs.writeFileSync(caddyfile, files["config/caddy/Caddyfile"].split(mount).join(`${caddyDir}/`).replace(`reverse_proxy ${serviceAddress("grafana")}`, `reverse_proxy ${GRAFANA}`));
        ns.create();
        // The ACME server resolves the domain with its own DNS (to the proxy, on the namespace's loopback) and
        // validates it over HTTP-01 on port 80, as Let's Encrypt would over the internet.
        ns.start("pebble-challtestsrv", ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:8053", "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:8055"], { log: path.join(dir, "dns.log") });
        ns.start("pebble", ["-config", path.join(dir, "pebble.json"), "-dnsserver", "127.0.0.1:8053"], { env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" }, log: path.join(dir, "pebble.log") });
        ns.start("node", ["-e", STAND_IN_GRAFANA], { log: path.join(dir, "grafana.log") });
        await ns.waitFor("pebble", () => ns.exec("curl", ["-fsS", "--cacert", api.ca, "https://127.0.0.1:14000/dir"]).status === 0, path.join(dir, "pebble.log"));
        const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, "data"), XDG_CONFIG_HOME: path.join(dir, "config") };
        ns.start("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], { env, log: path.join(dir, "caddy.log") });
        await ns.waitFor("a certificate from the ACME CA", () => fs.existsSync(path.join(dir, "caddy.log")) && /certificate obtained successfully/.test(fs.readFileSync(path.join(dir, "caddy.log"), "utf8")), path.join(dir, "caddy.log"), 300);
        issuingRoot = path.join(dir, "issuing-root.pem");
        fs.writeFileSync(issuingRoot, ns.exec("curl", ["-fsS", "--cacert", api.ca, "https://127.0.0.1:15000/roots/0"]).stdout);
    });
    afterAll(async () => {
        await ns.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("obtained the certificate over HTTP-01 on port 80, where everything else is a redirect", () => {
        const log = fs.readFileSync(path.join(dir, "caddy.log"), "utf8");
        expect(log).toMatch(/"challenge_type":"http-01"/);
        expect(log).not.toMatch(/"challenge_type":"tls-alpn-01"/);
        const r = curl([...via(80), `http://${DOMAIN}/login`]);
        expect([r.status, r.headers.location]).toEqual([308, `https://${DOMAIN}/login`]);
    });

    it("serves Grafana over HTTPS with the ACME CA's certificate, and the security headers", () => {
        const r = curl(["--cacert", issuingRoot, ...via(443), `https://${DOMAIN}/api/health`]);
        expect([r.exit, r.status]).toEqual([0, 200]);
        expect(JSON.parse(r.body)).toMatchObject({ standIn: true, host: DOMAIN, proto: "https" });
        expect(r.headers["strict-transport-security"]).toBe(SECURITY_HEADERS["Strict-Transport-Security"]);
        expect(r.headers.server).toBeUndefined();
    });
});
