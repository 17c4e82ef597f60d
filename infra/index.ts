import * as pulumi from "@pulumi/pulumi";
import { limitStackTracesForLargeFleets } from "./program/largeFleets";
import { loadProgramInputs } from "./program/programInputs";
import { sshAgentProblem } from "./program/sshAgentSocket";
import { buildStack } from "./program/stack";
import { forPulumi } from "./program/userErrors";

function build() {
    const inputs = loadProgramInputs(new pulumi.Config());
    // Before any resource: a dead agent socket would fail every SSH resource with a bare "connection refused".
    const agent = sshAgentProblem(process.env.SSH_AUTH_SOCK);
    if (agent) throw new pulumi.RunError(agent);
    if (limitStackTracesForLargeFleets(inputs.fleet.devices.length)) {
        pulumi.log.info(`${inputs.fleet.devices.length} devices: running without stack traces for speed (set IIOTMON_KEEP_STACK_TRACES=1 to keep them)`);
    }
    try {
        return buildStack(inputs);
    } catch (e) {
        // Problems found while wiring (a missing pushed tarball, an unpinned AMI in production) are the
        // user's to fix: no stack trace. A bug keeps its trace.
        throw forPulumi(e);
    }
}
const outputs = build();

export const deviceCount = outputs.deviceCount;
export const sites = outputs.sites;
export const devices = outputs.devices;
export const scrapeCaCertPem = outputs.scrapeCaCertPem;
export const monitoringHostIp = outputs.monitoringHostIp;
export const grafanaUrl = outputs.grafanaUrl;
export const grafanaCaCertPem = outputs.grafanaCaCertPem;
export const monitoringHostId = outputs.monitoringHostId;
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
export const adminSshPrivateKey = outputs.adminSshPrivateKey;
export const backupBucket = outputs.backupBucket;
export const backupRepositoryPassword = outputs.backupRepositoryPassword;
export const sizing = outputs.sizing;
export const siteCollectors = outputs.siteCollectors;
