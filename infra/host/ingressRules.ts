import { StackSettings } from "../settings";

/** One ingress rule of the monitoring host's security group. */
export interface HostIngressRule {
    /** Part of the resource name: stable for a given port and CIDR position, so a new CIDR adds rules and changes none. */
    readonly name: string;
    readonly port: number;
    readonly cidr: string;
    readonly description: string;
}

/**
 * Who may reach what on the monitoring host. The admin CIDRs get SSH, HTTPS (Grafana through the proxy)
 * and HTTP (a redirect); with a domain, the ACME CA's validators get port 80 too. Grafana's own port is
 * never opened. Without public ingress there is no rule at all (SSM port forwarding needs none).
 */
export function hostIngressRules(
    s: Pick<StackSettings, "adminCidrs" | "publicIngress" | "grafanaDomain" | "acmeChallengeCidrs"> & Partial<Pick<StackSettings, "collectorSourceCidrs" | "remoteWritePort">>,
    siteCollectors = false,
): HostIngressRule[] {
    if (!s.publicIngress) return [];
    const rules: HostIngressRule[] = [];
    // Site collectors' outbound addresses reach the remote-write receiver, and nothing else.
    if (siteCollectors && s.remoteWritePort) {
        for (const [i, cidr] of (s.collectorSourceCidrs ?? []).entries()) rules.push({ name: `remote-write-${i}`, port: s.remoteWritePort, cidr, description: "remote write from site collectors" });
    }
    for (const [i, cidr] of s.adminCidrs.entries()) {
        rules.push({ name: `ssh-${i}`, port: 22, cidr, description: "ssh from admin CIDR" });
        rules.push({ name: `https-${i}`, port: 443, cidr, description: "Grafana (HTTPS) from admin CIDR" });
        rules.push({ name: `http-${i}`, port: 80, cidr, description: "redirect to HTTPS, for admin CIDR" });
    }
    if (s.grafanaDomain) {
        // AWS refuses two identical rules in one group: a CIDR the admins already have on port 80 is not repeated.
        const admin = new Set(s.adminCidrs);
        for (const [i, cidr] of s.acmeChallengeCidrs.entries()) {
            if (!admin.has(cidr)) rules.push({ name: `acme-http-${i}`, port: 80, cidr, description: "ACME HTTP-01 challenge and redirect to HTTPS" });
        }
    }
    return rules;
}
