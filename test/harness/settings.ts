import { parseSettings, StackSettings } from "../../infra/settings";

/** A production stack with nothing set but its pinned AMI, for building the stack directly in tests. */
export const DEFAULT_SETTINGS_FOR_TESTS: StackSettings = parseSettings((k) => (k === "amiId" ? "ami-0123456789abcdef0" : undefined));
