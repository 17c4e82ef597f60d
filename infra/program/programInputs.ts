import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadFleet, Fleet, ChecksumTable, snmpSecretNames } from "../fleet";
import { loadChecksums, loadCollectorChecksums } from "../device";
import { parseSettings, StackSettings } from "../settings";
import { UserError } from "../common";
import { forPulumi } from "./userErrors";

/** Everything the stack is built from, read once in the entry point and passed down as plain values. */
export interface ProgramInputs {
    readonly settings: StackSettings;
    readonly fleet: Fleet;
    readonly checksums: ChecksumTable;
    /** Checksums of Prometheus releases for site collectors; undefined: read by the stack from collectorChecksumsFiles. */
    readonly collectorChecksums?: ChecksumTable;
    /** The Pulumi secret config values the fleet refers to by name. */
    readonly secrets: ReadonlyMap<string, pulumi.Output<string>>;
    /** Optional secrets of the alert channels. */
    readonly alertSecrets?: AlertSecrets;
    /** Grafana's secrets from the stack's config. */
    readonly grafanaSecrets?: GrafanaSecrets;
}

/** Secret config keys of Grafana. */
export interface GrafanaSecrets {
    /** The admin password; unset, the stack generates one (stack output grafanaAdminPassword). */
    readonly adminPassword?: pulumi.Output<string>;
    /** The single sign-on client's secret; required with oauthClientId. */
    readonly oauthClientSecret?: pulumi.Output<string>;
}

/** Secret config keys of the alert channels; each is optional. */
export interface AlertSecrets {
    readonly slackWebhookUrl?: pulumi.Output<string>;
    readonly webhookUrl?: pulumi.Output<string>;
    readonly smtpPassword?: pulumi.Output<string>;
}

/** Every secret name the fleet refers to, with the devices that need it (for a useful error). */
export function referencedSecrets(fleet: Fleet): Map<string, string[]> {
    const byName = new Map<string, Set<string>>();
    const add = (name: string | undefined, device: string) => {
        if (!name) return;
        const users = byName.get(name) ?? new Set<string>();
        byName.set(name, users.add(device));
    };
    for (const d of fleet.devices) {
        add(d.ssh.privateKeySecret, d.name);
        add(d.ssh.passwordSecret, d.name);
        add(d.ssh.bastion?.privateKeySecret, d.name);
        add(d.ssh.bastion?.passwordSecret, d.name);
    }
    for (const d of fleet.agentless) if (d.snmp) for (const name of snmpSecretNames(d.snmp.credentials)) add(name, d.name);
    return new Map([...byName].map(([k, v]) => [k, [...v]]));
}

/**
 * Reads settings, fleet and secrets from the stack's config; every problem in them becomes a RunError,
 * which Pulumi prints without a stack trace, before any resource is registered. A bug keeps its trace.
 */
export function loadProgramInputs(config: pulumi.Config, projectDir = process.cwd()): ProgramInputs {
    try {
        const settings = parseSettings((k) => config.get(k), config.name);
        const resolve = (f: string) => (path.isAbsolute(f) ? f : path.join(projectDir, f));
        const checksums = loadChecksums(settings.nodeExporterChecksumsFiles.map(resolve));
        const fleet = loadFleet(settings.fleetFile, checksums, (w) => pulumi.log.warn(w));
        const secrets = new Map<string, pulumi.Output<string>>();
        const missing: string[] = [];
        for (const [name, devices] of referencedSecrets(fleet)) {
            const value = config.getSecret(name);
            if (value === undefined) {
                const shown = devices.length > 3 ? `${devices.slice(0, 3).join(", ")} and ${devices.length - 3} more` : devices.join(", ");
                missing.push(`the secret "${name}" (used by ${shown}) is not set: pulumi config set --secret ${name} < FILE`);
            } else {
                secrets.set(name, value);
            }
        }
        const oauthClientSecret = config.getSecret("oauthClientSecret");
        if (settings.grafanaOAuth && oauthClientSecret === undefined) {
            missing.push("the secret \"oauthClientSecret\" (single sign-on, oauthClientId is set) is not set: pulumi config set --secret oauthClientSecret");
        }
        if (missing.length) throw new UserError(missing.join("\n"));
        const alertSecrets: AlertSecrets = {
            slackWebhookUrl: config.getSecret("alertSlackWebhookUrl"),
            webhookUrl: config.getSecret("alertWebhookUrl"),
            smtpPassword: config.getSecret("alertSmtpPassword"),
        };
        const grafanaSecrets: GrafanaSecrets = { adminPassword: config.getSecret("grafanaAdminPassword"), oauthClientSecret };
        const collectorChecksums = loadCollectorChecksums(settings.collectorChecksumsFiles.map(resolve));
        return { settings, fleet, checksums, collectorChecksums, secrets, alertSecrets, grafanaSecrets };
    } catch (e) {
        throw forPulumi(e);
    }
}
