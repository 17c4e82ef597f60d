/**
 * The Caddyfile of the reverse proxy in front of Grafana: HTTPS on 443, port 80 only to redirect
 * (and, with a domain, to answer the ACME CA's HTTP-01 challenge), security headers on every answer.
 * Written for Caddy 2.6 (Debian's, which CI runs) and 2.10 (the pinned image): only directives both read.
 */
import { CADDY_ADMIN_PORT, mountPoint } from "./hostLayout";

/** Where Grafana's certificate comes from. */
export type GrafanaTls =
    /** A DNS name; Caddy gets and renews the certificate from an ACME CA. */
    | { readonly kind: "acme"; readonly domain: string; readonly caUrl: string; readonly email?: string; readonly caRootFile?: string }
    /**
     * The stack's own CA signed a certificate for these addresses (the Elastic IP first, then the names a
     * tunnel uses); Caddy reads it from files and never talks to a CA.
     */
    | { readonly kind: "stack-ca"; readonly addresses: readonly string[]; readonly certFile: string; readonly keyFile: string };

export interface CaddyfileOptions {
    readonly tls: GrafanaTls;
    /** Grafana as the proxy reaches it, host:port. */
    readonly upstream: string;
    /** Defaults to 443 and 80; the lab moves them. */
    readonly httpsPort?: number;
    readonly httpPort?: number;
    /** More site blocks, e.g. the remote-write receiver (renderRemoteWriteSite). */
    readonly extraSites?: readonly string[];
}

/** What every HTTPS answer carries. HSTS for a year: browsers then refuse plain HTTP to this host by themselves. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
};

/** Where the proxy's files are inside its container (the host's config/caddy directory). */
export const CADDY_CONTAINER_PATHS = {
    caddyfile: `${mountPoint("config/caddy")}/Caddyfile`,
    certFile: `${mountPoint("config/caddy")}/tls/grafana.crt`,
    keyFile: `${mountPoint("config/caddy")}/tls/grafana.key`,
    /** The root of a private ACME CA (setting acmeCaRootPem), which Caddy trusts for that CA's directory only. */
    acmeCaRootFile: `${mountPoint("config/caddy")}/acme-ca-root.pem`,
} as const;

function siteAddress(host: string, port: number): string {
    const h = host.includes(":") ? `[${host}]` : host;
    return port === 443 ? `https://${h}` : `https://${h}:${port}`;
}

function quoted(v: string): string {
    return /^[A-Za-z0-9._\-/:=@]+$/.test(v) ? v : `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function renderCaddyfile(o: CaddyfileOptions): string {
    const httpsPort = o.httpsPort ?? 443;
    const httpPort = o.httpPort ?? 80;
    const t = o.tls;
    if (t.kind === "stack-ca" && t.addresses.length === 0) throw new Error("the stack-CA certificate needs at least one address");
    const global = [
        "# The admin API stays inside the proxy's own network namespace; `caddy reload` uses it.",
        `admin localhost:${CADDY_ADMIN_PORT}`,
        `http_port ${httpPort}`,
        `https_port ${httpsPort}`,
        // Clients that connect by IP send no SNI; without this Caddy would not know which certificate to show.
        ...(t.kind === "stack-ca" ? [`default_sni ${t.addresses[0]}`] : []),
        "servers {",
        // HTTP/3 would need UDP 443 opened too; TCP only keeps the security group simple.
        "\tprotocols h1 h2",
        "}",
    ];
    const hosts = t.kind === "acme" ? [t.domain] : t.addresses;
    const acmeIssuer = (a: Extract<GrafanaTls, { kind: "acme" }>) => [
        "tls {",
        "\tissuer acme {",
        `\t\tdir ${quoted(a.caUrl)}`,
        ...(a.email ? [`\t\temail ${quoted(a.email)}`] : []),
        ...(a.caRootFile ? [`\t\ttrusted_roots ${quoted(a.caRootFile)}`] : []),
        // Only port 80 is open to the CA's validators (443 is for the admin CIDRs): a TLS-ALPN-01 attempt
        // would fail and count against Let's Encrypt's limit of failed validations.
        "\t\tdisable_tlsalpn_challenge",
        "\t}",
        "}",
    ];
    const site = [
        ...(t.kind === "stack-ca" ? [`tls ${t.certFile} ${t.keyFile}`] : acmeIssuer(t)),
        "header {",
        ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `\t${k} ${quoted(v)}`),
        "\t-Server",
        "}",
        `reverse_proxy ${o.upstream}`,
    ];
    const indent = (lines: string[]) => lines.map((l) => `\t${l}`).join("\n");
    return [
        "# Rendered by iiot-monitoring; do not edit on the host.",
        "{",
        indent(global),
        "}",
        "",
        `${hosts.map((h) => siteAddress(h, httpsPort)).join(", ")} {`,
        indent(site),
        "}",
        "",
        "# Plain HTTP answers nothing but a redirect (ACME challenges are answered before it, with a domain).",
        `http://:${httpPort} {`,
        indent(["header -Server", `redir https://{host}${httpsPort === 443 ? "" : `:${httpsPort}`}{uri} 308`]),
        "}",
        "",
        ...(o.extraSites ?? []),
    ].join("\n");
}
