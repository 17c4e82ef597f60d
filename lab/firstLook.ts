import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadChecksums } from "../infra/device";
import { parseFleet } from "../infra/fleet";
import { sleep } from "./exec";
import { cleanUp } from "./cleanUp";
import { plcSwitchUps, WATCHED_LAB_SITE, watchedFleetYaml } from "./labFleet";
import { LoopbackHost } from "./loopbackHost";
import { removeBridge } from "./network";
import { PlcSwitchUpsSecrets, setUps, startPlcSwitchUps, stopWatchedDevice, WatchedDevice } from "./watchedDevice";

const SECRETS: PlcSwitchUpsSecrets & Record<string, string> = { labCommunity: "first-look-community", upsAuth: "first-look-auth", upsPriv: "first-look-priv" };

/** The fleet of the first look: a PLC watched by probes, a switch over SNMPv2c, a UPS over SNMPv3 authPriv. */
export const FIRST_LOOK_FLEET = watchedFleetYaml(WATCHED_LAB_SITE, plcSwitchUps(191));

/**
 * `npm run lab -- first-look`: simulated probe and SNMP devices, Debian's exporters and Prometheus with
 * the configuration the stack renders, until Ctrl-C; then everything it started is stopped.
 */
export async function firstLook(): Promise<void> {
    const host = new LoopbackHost(fs.mkdtempSync(path.join(os.tmpdir(), "iiotmon-first-look-")), { prometheus: 19290, blackbox: 19215, snmp: 19216, alertmanager: 19293, hostNodeExporter: 19299 });
    const fleet = parseFleet(FIRST_LOOK_FLEET, { file: "first-look.yaml", checksums: loadChecksums() }).fleet!;
    const prom = host.prom;
    const devices: WatchedDevice[] = [];
    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        console.log("\nfirst look: stopping");
        await cleanUp(() => host.stop(), ...devices.map((d) => () => stopWatchedDevice(d)), () => removeBridge());
    };
    process.once("SIGINT", () => void stop().then(() => process.exit(0)));
    process.once("SIGTERM", () => void stop().then(() => process.exit(0)));
    try {
        host.write(host.renderedFiles(fleet, { stackName: "first-look", scrapeIntervalSeconds: 5 }, (n) => SECRETS[n]));
        host.deliverTargets(fleet);
        await startPlcSwitchUps(191, SECRETS, devices);
        await host.start();
    } catch (e) {
        await stop();
        throw e;
    }
    console.log(`first look: ${devices.length} simulated devices (a PLC watched by probes, a switch over SNMPv2c, a UPS over SNMPv3)`);
    console.log(`  targets: ${prom.url}/targets`);
    console.log(`  alerts:  ${prom.url}/alerts   (the PLC's 5-day certificate fires TlsCertificateExpiring within the hour's "for")`);
    console.log(`  the UPS goes on battery in 60 s (UpsOnBattery); Ctrl-C stops everything`);
    await sleep(60_000);
    if (!stopping) setUps(devices[2], { onBattery: true, batteryLow: false });
    while (!stopping) await sleep(1000);
}
