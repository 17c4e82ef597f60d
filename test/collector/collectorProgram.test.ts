import * as pulumi from "@pulumi/pulumi";
import { loadChecksums } from "../../infra/device";
import { parseFleet } from "../../infra/fleet";
import { parseSettings } from "../../infra/settings";
import { COLLECTOR_SETTING_DEFAULTS } from "../../infra/settings/collectorSettings";
import { recordResources } from "../harness";
import { STACK_RESOURCES } from "../../infra/program/stack";
import { KEY_A, KEY_B } from "../fleet/malformedCases";

/** The stack with a collector site, under mocks: what it builds for the site, and what it refuses. */
jest.setTimeout(120_000);

const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-material\n-----END OPENSSH PRIVATE KEY-----\n";
const FLEET = `version: 1
defaults:
  ssh: {user: iiotmon, privateKeySecret: deviceSshKey}
sites:
  onshore: {region: east}
  offshore: {region: sea, collector: osp-gw}
devices:
  - {name: scada, address: 192.0.2.1, site: onshore, hostKey: ${KEY_A}}
  - {name: osp-gw, address: 10.0.0.1, site: offshore, hostKey: ${KEY_B}}
`;

describe("a collector site in the program", () => {
    const checksums = loadChecksums();
    const fleet = parseFleet(FLEET, { file: "endpoints.yaml", checksums }).fleet!;
    const base = { amiId: "ami-0123456789abcdef0", adminCidrs: JSON.stringify(["203.0.113.0/24"]) };

    it("refuses to build without collectorSourceCidrs, saying which setting", async () => {
        await recordResources("prod");
        const { buildStack } = await import("../../infra/program/stack");
        const settings = parseSettings((k) => (base as Record<string, string>)[k]);
        expect(() => buildStack({ settings, fleet, checksums, collectorChecksums: new Map(), secrets: new Map([["deviceSshKey", pulumi.secret(SSH_KEY)]]) })).toThrow(
            /site offshore has a collector: set collectorSourceCidrs/,
        );
    });

    it("gives the site its own secret password, installs the agent on its device, and opens the receiver to the site only", async () => {
        const run = await recordResources("prod");
        const { buildStack } = await import("../../infra/program/stack");
        const values: Record<string, string> = { ...base, collectorSourceCidrs: JSON.stringify(["198.51.100.0/24"]) };
        const settings = parseSettings((k) => values[k]);
        const collectorChecksums = new Map([[COLLECTOR_SETTING_DEFAULTS.collectorVersion, new Map([["amd64" as const, "a".repeat(64)], ["arm64" as const, "b".repeat(64)]])]]);
        const out = buildStack({ settings, fleet, checksums, collectorChecksums, secrets: new Map([["deviceSshKey", pulumi.secret(SSH_KEY)]]) });
        await new Promise<void>((resolve) => pulumi.all([...Object.values(out.devices), ...Object.values(out.siteCollectors)]).apply(() => resolve()));
        await new Promise((r) => setTimeout(r, 300));

        expect(run.byType("random:index/randomPassword:RandomPassword").map((r) => r.name)).toContain(STACK_RESOURCES.collector("offshore").password);
        const agent = run.named(STACK_RESOURCES.collector("offshore").agent);
        expect(agent.secretPaths).toContain("stdin");
        const stdin = agent.inputs.stdin as string;
        expect(stdin).toContain("@@script install\n#!/bin/sh\n# Installs or reconfigures a site collector");
        // The back-filler ships with it: its script, its settings (the same receiver) and promtool's HTTP
        // configuration, which names the password file and never holds the password.
        expect(stdin).toContain("@@file backfill\n#!/bin/sh\n# The site collector's back-filler");
        expect(stdin).toContain("remote_write_url=https://203.0.113.10:9443/api/v1/write\n");
        expect(stdin).toMatch(/@@file backfill-http.yml\n[^@]*username: collector-offshore\n\s+password_file: \/etc\/prometheus-agent\/remote-write-password\n/);
        expect(stdin).toContain("retention=7h\n");
        expect(stdin).not.toContain("agent_flag=");
        expect(stdin).toContain(`checksums=amd64=${"a".repeat(64)} arm64=${"b".repeat(64)}\n`);
        expect(stdin).toContain("url: https://203.0.113.10:9443/api/v1/write");
        expect(stdin).toContain("pw-collector-offshore-password-0123456789abcdef");
        // The connection is the device's own: the same SSH path as its node_exporter.
        expect((agent.inputs.connection as { host: string }).host).toBe("10.0.0.1");
        // Only the onshore device is scraped by the host.
        const targets = run.byType("command:remote:Command").find((r) => r.name.startsWith("scrape-targets"))!;
        expect(JSON.stringify(targets.inputs)).toContain("192.0.2.1:9100");
        expect(JSON.stringify(targets.inputs)).not.toContain("10.0.0.1:9100");

        const rules = run.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4]);
        expect(rules).toContainEqual([9443, "198.51.100.0/24"]);
        expect(rules.filter(([port]) => port === 9443)).toEqual([[9443, "198.51.100.0/24"]]);
        const prometheus = run.byType("docker:index/container:Container").find((r) => r.name.endsWith("-prometheus"))!;
        expect(prometheus.inputs.command).toContain("--web.enable-remote-write-receiver");
        // The host's proxy gets the hash, never the password.
        const hostCommands = run.byType("command:remote:Command").filter((r) => (r.inputs.connection as { host: string }).host === "203.0.113.10");
        const caddy = hostCommands.map((r) => String(r.inputs.stdin ?? "")).find((t) => t.includes("config/caddy/Caddyfile"));
        expect(caddy?.includes("\t\t\tcollector-offshore $2a$10$mock.hash.for.collector-offshore-password")).toBe(true);
        expect(hostCommands.some((r) => JSON.stringify(r.inputs).includes("pw-collector-offshore-password"))).toBe(false);
    });
});
