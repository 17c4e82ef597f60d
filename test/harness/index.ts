/**
 * The testing harness that test/, lab/ and bench/ share: the program under Pulumi mocks (a recorder of
 * every registered resource, simulated AWS look-ups, placeholder outputs), test settings, generated
 * fleets and a real ssh-agent. Never imported by infra/ or components/ (test/architecture.test.ts).
 */
export { allRegistered, recordProgram, settled, simulatedAwsCall, simulatedEbsVolumes } from "./programUnderMocks";
export type { ComputeOutputs, RecordedResource } from "./programUnderMocks";
export { placeholderOutputs } from "./placeholderOutputs";
export { recordResources, stackConfig, PROJECT, ROOT } from "./recordResources";
export type { MockRun } from "./recordResources";
export { DEFAULT_SETTINGS_FOR_TESTS } from "./settings";
export { generatedFleetYaml } from "./generatedFleet";
export { startSshAgent, killSshAgent } from "./sshAgent";
export { captureWarnings } from "./warnings";
