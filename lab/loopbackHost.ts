import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { APPLY_FLEET_SCRIPT, fleetPayload } from "../components/scrapeTargets";
import { Fleet } from "../infra/fleet";
import { EXPORTER_TARGETS_FILES, HostConfigOptions, PrometheusPaths, renderExporterConfigFiles, renderExporterTargetsFiles, renderHostConfigFiles, renderTargetsFile, SecretValue, TARGETS_FILE } from "../infra/host";
import { cleanUp } from "./cleanUp";
import { ExporterProcess } from "./exporterProcess";
import { PrometheusProcess } from "./prometheusProcess";

/** Loopback ports of one LoopbackHost: each suite, benchmark or first look has its own, so they can run side by side. */
export interface LoopbackHostPorts {
    readonly prometheus: number;
    readonly blackbox: number;
    readonly snmp: number;
    /** Where Prometheus sends alerts (an Alertmanager the caller may start there). */
    readonly alertmanager: number;
    /** The host's own node_exporter job's target (nothing serves it here). */
    readonly hostNodeExporter: number;
}

/**
 * The monitoring host's Prometheus, blackbox_exporter and snmp_exporter on loopback, with the files the
 * stack renders written under `dir` as the host keeps them, and a fleet's targets delivered by the host's
 * own script (file_sd, no restart): the fixture of the probe and SNMP lab suites, the first look and the
 * probe/SNMP benchmark.
 */
export class LoopbackHost {
    readonly prom: PrometheusProcess;
    readonly blackbox: ExporterProcess;
    readonly snmp: ExporterProcess;

    constructor(
        readonly dir: string,
        readonly ports: LoopbackHostPorts,
    ) {
        this.prom = new PrometheusProcess(path.join(this.prometheusDir, "prometheus.yml"), path.join(dir, "data"), ports.prometheus);
        this.blackbox = new ExporterProcess("/usr/bin/prometheus-blackbox-exporter", path.join(dir, "config/blackbox/blackbox.yml"), ports.blackbox, path.join(dir, "blackbox.log"));
        this.snmp = new ExporterProcess("/usr/bin/prometheus-snmp-exporter", path.join(dir, "config/snmp/snmp.yml"), ports.snmp, path.join(dir, "snmp.log"));
    }

    get prometheusDir(): string {
        return path.join(this.dir, "config/prometheus");
    }

    get paths(): PrometheusPaths {
        const p = this.prometheusDir;
        const at = (port: number) => `127.0.0.1:${port}`;
        return { configDir: p, targetsDir: `${p}/targets`, secretsDir: `${p}/secrets`, alertmanager: at(this.ports.alertmanager), hostNodeExporter: at(this.ports.hostNodeExporter), prometheus: at(this.ports.prometheus) };
    }

    /** Writes files given by their path under the host's root (e.g. config/prometheus/prometheus.yml). */
    write(files: Readonly<Record<string, string>>): void {
        for (const [rel, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(this.dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(this.dir, rel), text);
        }
    }

    /**
     * The host's configuration for `fleet` as the stack renders it, with this host's addresses: Prometheus'
     * (rules, Alertmanager), the exporters' (with the SNMP secrets' values), empty scrape secrets (there are no
     * node_exporter devices here) and the targets directory the host setup makes.
     */
    renderedFiles(fleet: Fleet, options: Omit<HostConfigOptions, "paths" | "exporters">, secret: SecretValue): Record<string, string> {
        return {
            ...renderHostConfigFiles({ ...options, paths: this.paths, exporters: { blackbox: this.blackbox.address, snmp: this.snmp.address } }),
            ...renderExporterConfigFiles(fleet, secret),
            "config/prometheus/secrets/scrape-ca.crt": "",
            "config/prometheus/secrets/scrape-password": "unused\n",
        };
    }

    /** As `pulumi up` delivers a fleet's targets: the host's apply script, against this host's root. */
    deliverTargets(fleet: Fleet): void {
        fs.mkdirSync(this.paths.targetsDir, { recursive: true });
        const exporters = renderExporterTargetsFiles(fleet);
        const payload = fleetPayload(renderTargetsFile(fleet)[TARGETS_FILE], "", { blackbox: exporters[EXPORTER_TARGETS_FILES.blackbox], snmp: exporters[EXPORTER_TARGETS_FILES.snmp] });
        const r = spawnSync("sh", ["-c", APPLY_FLEET_SCRIPT], { input: payload, env: { ...process.env, IIOTMON_ROOT: this.dir }, encoding: "utf8" });
        if (r.status !== 0 || r.stderr) throw new Error(`delivering the targets failed (${r.status}): ${r.stderr}`);
    }

    async start(): Promise<void> {
        await this.blackbox.start();
        await this.snmp.start();
        await this.prom.start();
    }

    /** Stops what runs and removes the host's files; every step runs even when one fails. */
    stop(): Promise<void> {
        return cleanUp(
            () => this.prom.stop(),
            () => this.blackbox.stop(),
            () => this.snmp.stop(),
            () => fs.rmSync(this.dir, { recursive: true, force: true }),
        );
    }
}
