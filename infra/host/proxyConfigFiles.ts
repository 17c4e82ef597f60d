import { CADDY_CONTAINER_PATHS, renderCaddyfile } from "./caddyfile";
import { grafanaTls } from "./grafanaAccess";
import { serviceAddress } from "./hostLayout";
import { CollectorCredential, renderRemoteWriteSite } from "./remoteWriteReceiver";
import { StackSettings } from "../settings";

export interface ProxyConfigOptions {
    readonly settings: Pick<StackSettings, "grafanaDomain" | "acmeCaUrl" | "acmeEmail" | "acmeCaRootPem" | "remoteWritePort" | "collectorSourceCidrs">;
    /** The monitoring host's Elastic IP; empty when not known (the stack CA's certificate then names the tunnel's end only). */
    readonly elasticIp: string;
    /** One per collector site; none: no remote-write receiver. */
    readonly collectors: readonly CollectorCredential[];
}

/**
 * The reverse proxy's files under the host's config/caddy: the Caddyfile (Grafana, and the remote-write
 * receiver when a site has a collector) and, with a private ACME CA, that CA's root, which the Caddyfile names.
 * The stack and `fleet render` both write these, so what a render shows is what a host receives.
 */
export function proxyConfigFiles(o: ProxyConfigOptions): Record<string, string> {
    const tls = grafanaTls(o.settings, o.elasticIp);
    const receiver = o.collectors.length
        ? [
              renderRemoteWriteSite({
                  port: o.settings.remoteWritePort,
                  addresses: tls.kind === "acme" ? [tls.domain] : [tls.addresses[0]],
                  // With a domain, the receiver uses the ACME certificate Caddy already has for it.
                  ...(tls.kind === "stack-ca" ? { tls: { certFile: tls.certFile, keyFile: tls.keyFile } } : {}),
                  upstream: serviceAddress("prometheus"),
                  credentials: o.collectors,
                  allowedCidrs: o.settings.collectorSourceCidrs,
              }),
          ]
        : [];
    return {
        "config/caddy/Caddyfile": renderCaddyfile({ tls, upstream: serviceAddress("grafana"), extraSites: receiver }),
        ...(o.settings.acmeCaRootPem ? { [`config/caddy/${CADDY_CONTAINER_PATHS.acmeCaRootFile.split("/").pop()}`]: o.settings.acmeCaRootPem } : {}),
    };
}
