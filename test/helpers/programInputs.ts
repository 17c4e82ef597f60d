import { parseSettings, StackSettings } from "../../infra/settings";

/** The settings a stack gets when nothing is set, for building the stack directly in tests. */
export const DEFAULT_SETTINGS_FOR_TESTS: StackSettings = parseSettings(() => undefined);
