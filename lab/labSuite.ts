import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanUp, labCleanUpSteps } from "./cleanUp";
import { Lab } from "./lab";
import { LabFleetDevice, labFleetYaml } from "./labFleet";
import { MirrorServer } from "./mirrorServer";
import { ReplayOutcome } from "./replay";

/**
 * What every lab suite of SSH devices sets up alike: the mirror the devices download from, a work
 * directory for its fleet files, the labs it starts (each a state directory of devices), and one
 * teardown that stops all of it even when a step (or beforeAll) failed half-way.
 */
export class LabSuite {
    readonly mirror = new MirrorServer();
    readonly work: string;
    private readonly labs: Lab[] = [];

    constructor(readonly name: string) {
        this.work = fs.mkdtempSync(path.join(os.tmpdir(), `lab-${name}-`));
    }

    /** The default fleet file of the suite, work/endpoints.yaml. */
    get fleetFile(): string {
        return path.join(this.work, "endpoints.yaml");
    }

    /** A lab with a state directory of its own (a fresh replay state), stopped and removed by tearDown. */
    newLab(): Lab {
        const lab = new Lab(fs.mkdtempSync(path.join(os.tmpdir(), `lab-${this.name}-state-`)));
        this.labs.push(lab);
        return lab;
    }

    /** Prepares the cached device image and starts the mirror; returns the suite's first lab. */
    async setUp(): Promise<Lab> {
        const lab = this.newLab();
        lab.prepare();
        await this.mirror.start();
        return lab;
    }

    /** Writes the lab fleet of `devices` as work/<name>.yaml (the suite's one fleet builder) and returns its path. */
    writeFleet(devices: readonly LabFleetDevice[], opts: Parameters<typeof labFleetYaml>[1] = {}, name = "endpoints"): string {
        const file = path.join(this.work, `${name}.yaml`);
        fs.writeFileSync(file, labFleetYaml(devices, opts));
        return file;
    }

    tearDown(): Promise<void> {
        return cleanUp(...labCleanUpSteps(this.labs, this.mirror, this.work));
    }
}

/** The outcome of one resource in a replay; throws naming the resources that ran instead. */
export function outcomeOf(outcomes: readonly ReplayOutcome[], resourceName: string): ReplayOutcome {
    const o = outcomes.find((x) => x.resourceName === resourceName);
    if (!o) throw new Error(`no outcome for ${resourceName}: ${JSON.stringify(outcomes.map((x) => [x.resourceName, x.action]))}`);
    return o;
}
