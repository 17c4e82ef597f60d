import { dump } from "js-yaml";
import { Probe } from "../fleet";

/**
 * The blackbox_exporter module that runs a probe. Expected status codes and certificate checking are
 * module settings in blackbox_exporter (config/config.go: HTTPProbe.ValidStatusCodes, tls_config), so
 * probes that differ in them get modules of their own; probes that agree share one.
 */
export function blackboxModuleName(p: Probe): string {
    if (p.kind === "icmp") return "icmp";
    if (p.kind === "tcp") return "tcp_connect";
    const codes = p.status.length ? p.status.join("_") : "2xx";
    return `${p.kind}_${codes}${p.kind === "https" && !p.verifyCertificate ? "_insecure" : ""}`;
}

/** What blackbox_exporter is asked to reach: host:port for ICMP and TCP (ICMP ignores the port), a URL for HTTP. */
export function probeTarget(address: string, p: Probe): string {
    const host = address.includes(":") ? `[${address}]` : address;
    if (p.kind === "icmp") return host;
    if (p.kind === "tcp") return `${host}:${p.port}`;
    const defaultPort = p.kind === "https" ? 443 : 80;
    return `${p.kind}://${host}${p.port === defaultPort ? "" : `:${p.port}`}${p.path}`;
}

function module(p: Probe): Record<string, unknown> {
    // Devices are addressed by IPv4 literal more often than not; a name resolves to IPv4 first, then IPv6.
    const ip = { preferred_ip_protocol: "ip4", ip_protocol_fallback: true };
    if (p.kind === "icmp") return { prober: "icmp", timeout: "5s", icmp: ip };
    if (p.kind === "tcp") return { prober: "tcp", timeout: "5s", tcp: ip };
    return {
        prober: "http",
        timeout: "8s",
        http: {
            ...ip,
            method: "GET",
            ...(p.status.length ? { valid_status_codes: [...p.status] } : {}),
            ...(p.kind === "https" ? { fail_if_not_ssl: true, tls_config: { insecure_skip_verify: !p.verifyCertificate } } : { fail_if_ssl: true }),
        },
    };
}

/**
 * blackbox.yml: one module per kind of check the fleet uses (fixed ones for ICMP and TCP, one per set of
 * expected status codes and certificate checking for HTTP(S)). ICMP, TCP and HTTP always exist, so a
 * fleet edit that adds the first probe of a kind needs no configuration change.
 */
export function renderBlackboxConfig(probes: readonly Probe[]): string {
    const base: Probe[] = [{ kind: "icmp" }, { kind: "tcp", port: 1 }, { kind: "http", port: 80, path: "/", status: [], verifyCertificate: false }, { kind: "https", port: 443, path: "/", status: [], verifyCertificate: true }];
    const modules = new Map<string, Record<string, unknown>>();
    for (const p of [...base, ...probes]) {
        const name = blackboxModuleName(p);
        if (!modules.has(name)) modules.set(name, module(p));
    }
    const sorted = Object.fromEntries([...modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return "# Rendered by iiot-monitoring from endpoints.yaml; do not edit on the host.\n" + dump({ modules: sorted }, { lineWidth: 400, noRefs: true });
}
