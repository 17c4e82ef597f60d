import * as pulumi from "@pulumi/pulumi";
import { parseFleet } from "../../infra/fleet/parseFleet";
import { loadChecksums } from "../../infra/device/checksums";
import { allRegistered, DEFAULT_SETTINGS_FOR_TESTS, MockRun, recordResources } from "../harness";
import { LAUNCH_PAYLOAD } from "../../infra/common";
import { device, HEAD } from "../fleet/malformedCases";
import { deviceResourceNames, STACK_RESOURCES } from "../../infra/program/stack";
import { IMAGES } from "../../components/monitoringServices";

/**
 * What the engine is told a resource depends on: the `dependencies` and `propertyDependencies` of each
 * RegisterResource request, read at the mock monitor, i.e. the edges of the engine's graph.
 *
 * Why the scrape targets must have no edge to a device: with --continue-on-error the engine skips every
 * step that depends on a failed one (pulumi/pulumi v3.248.0, pkg/resource/deploy/deployment_executor.go:
 * 614-624, "Exclude the steps that depend on errored steps if ContinueOnError is set." ...
 * `if doesStepDependOn(step, ex.skipped) { step.Skip() ...`), and without it the first failure cancels
 * everything not yet started (step_executor.go:456-457 `} else { se.cancel() }`). One offline device would
 * then keep every other device's target, and the fleet record, from being written.
 */
interface Registration {
    readonly name: string;
    readonly type: string;
    readonly dependencies: string[];
}

async function registrations(): Promise<{ seen: Registration[]; run: MockRun }> {
    const run = await recordResources();
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): unknown };
    const seen: Registration[] = [];
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        const byProperty = [...req.getPropertydependenciesMap().entries()].flatMap(([, deps]) => deps.getUrnsList());
        seen.push({ name: req.getName(), type: req.getType(), dependencies: [...new Set([...req.getDependenciesList(), ...byProperty])] });
        return original(req, cb);
    };
    return { seen, run };
}

interface RegisterRequest {
    getName(): string;
    getType(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> };
}

describe("an offline device does not hold back the fleet", () => {
    let seen: Registration[];
    let run: MockRun;
    const names = Array.from({ length: 10 }, (_, i) => `wtg-${String(i + 1).padStart(2, "0")}`);
    const DEVICE_SIDE: string[] = names.flatMap((n) => Object.values(deviceResourceNames(n)));
    const SERVICES = (Object.keys(IMAGES) as (keyof typeof IMAGES)[]).map((s) => STACK_RESOURCES.services.container(s));
    beforeAll(async () => {
        ({ seen, run } = await registrations());
        const checksums = loadChecksums();
        const parsed = parseFleet(HEAD + names.map((n, i) => device(n, `10.0.0.${i + 1}`)).join(""), { file: "endpoints.yaml", checksums });
        if (!parsed.fleet) throw new Error(JSON.stringify(parsed.problems));
        const { buildStack } = await import("../../infra/program/stack");
        buildStack({ settings: DEFAULT_SETTINGS_FOR_TESTS, fleet: parsed.fleet, checksums, secrets: new Map([["deviceSshKey", pulumi.secret("key")]]) });
        await allRegistered();
    });

    it("registers the scrape targets with edges to the host only, none to any device", () => {
        const targets = seen.find((r) => r.name === STACK_RESOURCES.scrapeTargets.file);
        expect(targets).toBeDefined();
        const deps = targets!.dependencies;
        // The edges are recorded at all: the targets wait for the host's configuration and services.
        expect(deps.some((u) => u.endsWith(`::${STACK_RESOURCES.hostConfiguration.files}`))).toBe(true);
        expect(deps.some((u) => SERVICES.some((c) => u.endsWith(`::${c}`)))).toBe(true);
        expect(deps.filter((u) => /NodeExporterDevice/.test(u) || DEVICE_SIDE.some((n) => u.endsWith(`::${n}`)))).toEqual([]);
    });

    it("writes every device into the targets file, whether or not its install succeeds", () => {
        const stdin = run.named(STACK_RESOURCES.scrapeTargets.file).inputs.stdin as string;
        // The host script comes first on stdin (the launcher), its own input after LAUNCH_PAYLOAD.
        const input = stdin.slice(stdin.indexOf(`\n${LAUNCH_PAYLOAD}\n`) + LAUNCH_PAYLOAD.length + 2);
        const targets = JSON.parse(input.slice("@@targets\n".length, input.indexOf("@@sql\n"))) as { targets: string[]; labels: { instance: string } }[];
        expect(targets.map((t) => t.labels.instance).sort()).toEqual(names);
    });
});
