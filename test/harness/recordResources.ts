import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { load } from "js-yaml";
import { placeholderOutputs as computedState } from "./placeholderOutputs";
import { recordProgram, RecordedResource } from "./programUnderMocks";
import { PROJECT_ROOT } from "../../infra/common/projectRoot";

export type { RecordedResource };

export const PROJECT = "iiot-monitoring";

/**
 * The program writes the Docker provider's SSH files for the stack; under test they go to a directory
 * removed at exit. Called by recordResources, before the program runs.
 */
function useTemporarySshDir(): void {
    if (process.env.IIOTMON_SSH_DIR) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-ssh-"));
    process.env.IIOTMON_SSH_DIR = dir;
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
}
export const ROOT = PROJECT_ROOT;

export interface MockRun {
    readonly resources: RecordedResource[];
    byType(type: string): RecordedResource[];
    named(name: string): RecordedResource;
}

/** Installs mocks that record every resource; call before importing the program. Unknown invokes fail loudly. */
export async function recordResources(stack = "test"): Promise<MockRun> {
    useTemporarySshDir();
    const resources = await recordProgram(PROJECT, stack, (type, name) => computedState(type, name));
    return {
        resources,
        byType: (type) => resources.filter((r) => r.type === type),
        named: (name) => {
            const r = resources.find((x) => x.name === name);
            if (!r) throw new Error(`no resource named ${name}; have ${resources.map((x) => x.name).join(", ")}`);
            return r;
        },
    };
}

/** A stack's config file as the flat `project:key -> string` map Pulumi hands the program. */
export function stackConfig(file = path.join(ROOT, "Pulumi.dev.yaml")): Record<string, string> {
    const doc = load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(
        Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}
