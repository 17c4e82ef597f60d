import { firstLook } from "./firstLook";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readJson } from "./capture";
import { isAlive } from "./exec";
import { Lab } from "./lab";
import { execOnDevice, LabDeviceRecord, stopDevice } from "./labDevice";
import { labFleetYaml } from "./labFleet";
import { removeBridge } from "./network";
import { PROJECT_ROOT } from "../infra/common/projectRoot";
import { LAB_DIR, MIRROR_PORT, BRIDGE_IP, STATE_DIR } from "./paths";

/** What `npm run lab` keeps between commands: the running devices and the mirror's process. */
interface LabRegistry {
    devices: LabDeviceRecord[];
    mirrorPid?: number;
}

const REGISTRY = path.join(STATE_DIR, "lab.json");
const FLEET = path.join(LAB_DIR, "endpoints.yaml");


function save(reg: LabRegistry): void {
    fs.mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
    fs.writeFileSync(REGISTRY, JSON.stringify(reg, null, 2));
}

async function up(count: number): Promise<void> {
    const lab = new Lab();
    lab.prepare(console.log);
    const reg = readJson<LabRegistry>(REGISTRY, { devices: [] });
    if (!isAlive(reg.mirrorPid)) {
        // The mirror runs as this command does: compiled from bin/, or from the sources through ts-node.
        const compiled = __filename.endsWith(".js");
        const mirror = path.join(__dirname, compiled ? "mirrorServer.js" : "mirrorServer.ts");
        const child = spawn(process.execPath, compiled ? [mirror] : ["-r", "ts-node/register/transpile-only", mirror], {
            detached: true,
            stdio: "ignore",
            cwd: PROJECT_ROOT,
        });
        child.unref();
        reg.mirrorPid = child.pid;
    }
    const taken = new Set(reg.devices.map((d) => d.index));
    for (let i = 1; reg.devices.length < count && i < 200; i++) {
        if (taken.has(i)) continue;
        const record = await lab.start(`lab-dev-${i}`, i);
        reg.devices.push(record);
        console.log(`lab: started ${record.name} at ${record.ip}`);
    }
    save(reg);
    fs.writeFileSync(FLEET, labFleetYaml(reg.devices.map((record) => ({ record }))));
    console.log(`lab: ${reg.devices.length} device(s) up, mirror on http://${BRIDGE_IP}:${MIRROR_PORT}`);
    console.log(`lab: fleet for them written to ${FLEET} (SSH key secret name: labSshKey)`);
    console.log(`lab: try it with: npm run lab -- apply ${path.relative(process.cwd(), FLEET)}`);
}

async function apply(file: string): Promise<number> {
    const { outcomes } = await new Lab().apply(file, { log: (l) => console.log(l) });
    let failed = 0;
    for (const o of outcomes.sort((a, b) => a.resourceName.localeCompare(b.resourceName))) {
        if (!o.ok) failed++;
        const detail = o.ok ? (o.result?.line ?? "") : `FAILED: ${o.error}`;
        console.log(`${o.resourceName.padEnd(40)} ${o.action.padEnd(9)} ${o.seconds.toFixed(1).padStart(5)}s  ${detail}`);
    }
    return failed ? 1 : 0;
}

function status(): void {
    const reg = readJson<LabRegistry>(REGISTRY, { devices: [] });
    console.log(`mirror: ${isAlive(reg.mirrorPid) ? `running (pid ${reg.mirrorPid})` : "stopped"}`);
    for (const d of reg.devices) {
        let ne = "-";
        let collector = "";
        if (isAlive(d.pid)) {
            try {
                // node_exporter, and a site collector (its Prometheus and back-filler) where one is installed: one SSH call.
                const [exporter, agent, backfill] = execOnDevice(d, "systemctl is-active node_exporter prometheus-agent prometheus-agent-backfill || true").trim().split("\n");
                ne = exporter;
                if (agent !== "inactive" || backfill !== "inactive") collector = `  collector: ${agent}, back-filler: ${backfill}`;
            } catch {
                ne = "unreachable";
            }
        }
        console.log(`${d.name.padEnd(16)} ${d.ip.padEnd(14)} ${isAlive(d.pid) ? "running" : "stopped"}  node_exporter: ${ne}${collector}`);
    }
}

async function down(): Promise<void> {
    const reg = readJson<LabRegistry>(REGISTRY, { devices: [] });
    for (const d of reg.devices) {
        await stopDevice(d);
        console.log(`lab: stopped ${d.name}`);
    }
    if (isAlive(reg.mirrorPid)) process.kill(reg.mirrorPid!, "SIGTERM");
    removeBridge();
    for (const f of ["lab.json", "applied.json", "outputs.json"]) fs.rmSync(path.join(STATE_DIR, f), { force: true });
    console.log("lab: down");
}

const USAGE = `usage: npm run lab -- <command>
  up N          start N simulated devices and write an endpoints.yaml for them
  apply FILE    do on the lab what \`pulumi up\` would do to the devices of FILE
  status        devices, their node_exporter and site collector, the mirror
  down          stop everything the lab started
  first-look    probe and SNMP devices, the exporters and Prometheus with the rendered configuration, until Ctrl-C`;

/** The commands and the one argument each takes, if any: what `main` accepts, and what docs' `npm run lab` lines are checked against. */
export const LAB_COMMANDS: Readonly<Record<string, { readonly arg?: RegExp }>> = {
    up: { arg: /^\d+$/ },
    apply: { arg: /^\S+$/ },
    status: {},
    down: {},
    "first-look": {},
};

/** Whether `npm run lab -- ARGS` names a command of LAB_COMMANDS with exactly the argument it takes. */
export function isLabCommand(args: readonly string[]): boolean {
    const [cmd, ...rest] = args;
    const c = cmd !== undefined && Object.prototype.hasOwnProperty.call(LAB_COMMANDS, cmd) ? LAB_COMMANDS[cmd] : undefined;
    if (!c) return false;
    return c.arg ? rest.length === 1 && c.arg.test(rest[0]) : rest.length === 0;
}

async function main(args: string[]): Promise<number> {
    const [cmd, arg] = args;
    if (!isLabCommand(args)) {
        console.error(USAGE);
        return 2;
    }
    if (cmd === "up") await up(Number(arg));
    else if (cmd === "apply") return apply(arg);
    else if (cmd === "status") status();
    else if (cmd === "down") await down();
    else if (cmd === "first-look") await firstLook();
    return 0;
}

if (require.main === module) {
    if (process.getuid?.() !== 0) {
        console.error("lab: needs root (network namespaces, mounts, systemd-nspawn)");
        process.exit(1);
    }
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e) => {
            console.error(`lab: ${(e as Error).message}`);
            process.exitCode = 1;
        },
    );
}
