import * as fs from "fs";
import * as path from "path";
import { readFleetFile, Fleet, diffFleets, FleetLevels, renderJson, renderMarkdown, renderText, parseFleet, fleetTable, formatProblem, scrapedBy, maintenanceOwners } from "../fleet";
import type * as Host from "../host";
import { parse as parseYaml } from "yaml";
import { defaultBase, fileAtRef } from "./gitFleet";
import { loadChecksums } from "../device";
import { parseSettings, SETTING_DEFAULTS } from "../settings";

/** The host's renderers load only for `render`: `validate` runs in editors, hooks and every PR check, and needs none of them. */
const host = (): typeof Host => require("../host") as typeof Host;

const USAGE = `usage: npm run fleet -- <command> [fleet file]

commands:
  validate [path]   check the fleet file (default endpoints.yaml); exit 0 valid, 1 invalid
  list [path]       print the fleet as a table
  render --out DIR [path]
                    write every file the monitoring host receives for this fleet into DIR
  diff [--base REF] [--format text|markdown|json] [path]
                    what changing the fleet from REF (default: the merge base with main) to the
                    working tree does to each device`;

function levelsOf(text: string | undefined): FleetLevels {
    try {
        const doc = (text ? parseYaml(text) : {}) as { defaults?: unknown; sites?: Record<string, unknown> } | null;
        return { defaults: doc?.defaults ?? {}, sites: doc?.sites ?? {} };
    } catch {
        return { defaults: {}, sites: {} };
    }
}

/** `fleet diff`: both sides validated; an invalid side is reported with its errors, never a stack trace. */
function diffCommand(file: string, base: string | undefined, format: string, out: (s: string) => void, err: (s: string) => void): number {
    const checksums = loadChecksums();
    const ref = base ?? defaultBase(process.cwd());
    let baseText: string | undefined;
    try {
        baseText = fileAtRef(file, ref, process.cwd());
    } catch (e) {
        err(`fleet diff: ${(e as Error).message}`);
        return 2;
    }
    let headText: string;
    try {
        headText = fs.readFileSync(file, "utf8");
    } catch {
        err(`${file}:1:1: the fleet file does not exist`);
        return 1;
    }
    const shortRef = ref.length === 40 ? ref.slice(0, 12) : ref;
    const before = parseFleet(baseText ?? "version: 1\ndevices: []\n", { file: `${file}@${shortRef}`, checksums });
    const after = parseFleet(headText, { file, checksums });
    let invalid = false;
    for (const [side, r] of [[`the base (${shortRef})`, before], ["the working tree", after]] as const) {
        if (!r.fleet) {
            invalid = true;
            err(`${side}: invalid fleet`);
            for (const p of r.problems) err(formatProblem(p));
        }
    }
    if (invalid) return 1;
    const diff = diffFleets(before.fleet!, after.fleet!, { before: levelsOf(baseText), after: levelsOf(headText) });
    out(format === "json" ? renderJson(diff) : format === "markdown" ? renderMarkdown(diff, `Fleet change (${file} vs ${shortRef})`) : renderText(diff));
    return 0;
}

/** What each site's collector receives; the host's address is only known at deploy time. */
function collectorFiles(fleet: Fleet): Record<string, string> {
    const { renderCollectorConfig, renderSiteTargets } = host();
    const files: Record<string, string> = {};
    for (const site of fleet.sites) {
        if (!site.collector) continue;
        files[`collectors/${site.name}/prometheus.yml`] = renderCollectorConfig({
            site: site.name,
            region: site.region,
            collectorDevice: site.collector.device,
            remoteWriteUrl: "https://monitoring-host.invalid:9443/api/v1/write",
            scrapeIntervalSeconds: SETTING_DEFAULTS.scrapeIntervalSeconds,
        });
        files[`collectors/${site.name}/targets/site.json`] = renderSiteTargets(fleet, site.name);
    }
    return files;
}

/**
 * Stand-ins for what only the stack knows, in the proxy's files: RFC 5737's documentation network for
 * collectorSourceCidrs (a stack setting), and a hash of nothing for each collector's password (the stack
 * generates it). Both are well-formed, so Caddy validates the file as it would the host's.
 */
const RENDER_COLLECTOR_NETWORK = "192.0.2.0/24";
const RENDER_PASSWORD_HASH = "$2a$14$(generated-by-the-stack-at-deploy-time)";

/** The reverse proxy's files as the host receives them with the default settings; the Elastic IP is only known at deploy time. */
function proxyFiles(fleet: Fleet): Record<string, string> {
    const { collectorUsername, proxyConfigFiles } = host();
    const settings = parseSettings(() => undefined);
    const collectors = fleet.sites.filter((s) => s.collector).map((s) => ({ username: collectorUsername(s.name), bcryptHash: RENDER_PASSWORD_HASH }));
    const files = proxyConfigFiles({ settings: { ...settings, collectorSourceCidrs: [RENDER_COLLECTOR_NETWORK] }, elasticIp: "", collectors });
    const note = "# fleet render: the host's Elastic IP comes first among the addresses at deploy time" + (collectors.length ? `; ${RENDER_COLLECTOR_NETWORK} stands for collectorSourceCidrs and the password hashes are the stack's.\n` : ".\n");
    return { ...files, "config/caddy/Caddyfile": note + files["config/caddy/Caddyfile"] };
}

/** Writes what the host would receive; the host key and volume id are only known at deploy time. */
function renderInto(dir: string, fleet: Fleet): string[] {
    const { renderCloudInit, hostSystemFiles, renderHostConfigFiles, renderTargetsFile, renderExporterConfigFiles, renderExporterTargetsFiles, collectorSitesOf } = host();
    const files: Record<string, string> = {
        ...renderHostConfigFiles({ stackName: "iiot-monitoring", collectorSites: collectorSitesOf(fleet), maintenance: maintenanceOwners(fleet) }),
        ...renderTargetsFile(fleet),
        ...renderExporterTargetsFiles(fleet),
        // SNMP secrets are stack secrets: the rendered snmp.yml shows where each one goes, never its value.
        ...renderExporterConfigFiles(fleet, (name) => `(stack secret ${name})`),
        ...collectorFiles(fleet),
        ...proxyFiles(fleet),
        "cloud-init.yaml": renderCloudInit({
            hostKey: { privateOpenssh: "(generated by the stack at deploy time)\n", publicOpenssh: "ssh-ed25519 AAAA(generated-by-the-stack)" },
            adminPublicKey: "ssh-ed25519 AAAA(generated-by-the-stack) admin",
        }),
        ...Object.fromEntries(
            hostSystemFiles({ bucket: "(the stack's backup bucket)", region: "(aws:region)", schedule: SETTING_DEFAULTS.backupSchedule, retentionDays: SETTING_DEFAULTS.backupRetentionDays }).map((f) => [`host-system${f.path}`, f.text]),
        ),
    };
    for (const [rel, text] of Object.entries(files)) {
        const out = path.join(dir, rel);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, text);
    }
    return Object.keys(files).sort();
}

/** Runs one command; returns the exit code so tests can call it without a process. */
export function runFleetCommand(args: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
    const [command, ...rest] = args;
    const options: Record<string, string> = {};
    for (const name of ["--out", "--base", "--format"]) {
        const at = rest.indexOf(name);
        if (at < 0) continue;
        if (!rest[at + 1]) {
            err(USAGE);
            return 2;
        }
        options[name] = rest[at + 1];
        rest.splice(at, 2);
    }
    const [file = "endpoints.yaml", ...extra] = rest;
    const allowed: Record<string, string[]> = { validate: [], list: [], render: ["--out"], diff: ["--base", "--format"] };
    const outDir = options["--out"];
    if (
        !command ||
        extra.length ||
        !(command in allowed) ||
        Object.keys(options).some((o) => !allowed[command].includes(o)) ||
        (command === "render" && !outDir) ||
        (options["--format"] && !["text", "markdown", "json"].includes(options["--format"]))
    ) {
        err(USAGE);
        return 2;
    }
    if (command === "diff") return diffCommand(file, options["--base"], options["--format"] ?? "text", out, err);
    const result = readFleetFile(file, loadChecksums());
    for (const p of result.problems) err(formatProblem(p));
    if (!result.fleet) {
        const errors = result.problems.filter((p) => p.severity === "error").length;
        err(`${file}: invalid, ${errors} error(s)`);
        return 1;
    }
    if (command === "validate") {
        out(`${file}: valid, ${result.fleet.devices.length} device(s)`);
    } else if (command === "render") {
        const written = renderInto(outDir, result.fleet);
        const { scrapeIntervalSeconds, retentionDays } = SETTING_DEFAULTS;
        const size = host().sizeHost({ devices: result.fleet.devices.length, scrapeIntervalSeconds, retentionDays, watched: host().watchedSizing(result.fleet) });
        out(written.map((f) => path.join(outDir, f)).join("\n"));
        for (const site of result.fleet.sites) out(`site ${site.name}: scraped by ${scrapedBy(site)}`);
        out(`sizing for ${result.fleet.devices.length} device(s), ${retentionDays} days: ${size.instanceType}, ${size.dataVolumeGiB} GiB data volume (${size.activeSeries} series)`);
    } else {
        out(fleetTable(result.fleet));
    }
    return 0;
}

if (require.main === module) {
    process.exitCode = runFleetCommand(process.argv.slice(2), console.log, console.error);
}
