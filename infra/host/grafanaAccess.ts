import { CADDY_CONTAINER_PATHS, GrafanaTls } from "./caddyfile";
import { StackSettings } from "../settings";

/** The names a browser may use for Grafana besides the Elastic IP: the SSM tunnel's end on the operator's machine. */
export const TUNNEL_NAMES = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] } as const;

/** What the stack's CA puts in Grafana's certificate when there is no domain: the Elastic IP and the tunnel's names. */
export function stackCaCertificateSubject(elasticIp: string | undefined): { commonName: string; ipAddresses: string[]; dnsNames: string[] } {
    // The lab's capture of the program has no Elastic IP (nothing allocates one): the tunnel's names remain.
    const ip = elasticIp ? [elasticIp] : [];
    return { commonName: elasticIp || "localhost", ipAddresses: [...ip, ...TUNNEL_NAMES.ipAddresses], dnsNames: [...TUNNEL_NAMES.dnsNames] };
}

/** How Caddy gets Grafana's certificate, from the settings. */
export function grafanaTls(settings: Pick<StackSettings, "grafanaDomain" | "acmeCaUrl" | "acmeEmail"> & Partial<Pick<StackSettings, "acmeCaRootPem">>, elasticIp: string): GrafanaTls {
    if (settings.grafanaDomain) {
        return {
            kind: "acme",
            domain: settings.grafanaDomain,
            caUrl: settings.acmeCaUrl,
            ...(settings.acmeEmail ? { email: settings.acmeEmail } : {}),
            // The root file comes with the Caddyfile (proxyConfigFiles).
            ...(settings.acmeCaRootPem ? { caRootFile: CADDY_CONTAINER_PATHS.acmeCaRootFile } : {}),
        };
    }
    const s = stackCaCertificateSubject(elasticIp);
    return { kind: "stack-ca", addresses: [...s.ipAddresses, ...s.dnsNames], certFile: CADDY_CONTAINER_PATHS.certFile, keyFile: CADDY_CONTAINER_PATHS.keyFile };
}

/** The URL people open: the domain, the Elastic IP, or (no public ingress) the SSM tunnel's local end. Grafana's root_url. */
export function grafanaUrl(settings: Pick<StackSettings, "grafanaDomain" | "publicIngress" | "grafanaTunnelPort">, elasticIp: string): string {
    if (!settings.publicIngress) return `https://localhost:${settings.grafanaTunnelPort}/`;
    return `https://${settings.grafanaDomain ?? elasticIp}/`;
}
