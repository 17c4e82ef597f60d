import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isAlive, run, sleep } from "./exec";
import { createDeviceNetwork, ensureBridge, netnsName, removeDeviceNetwork, setDeviceConnected } from "./network";
import { DEVICES_DIR, SUBNET_PREFIX } from "./paths";

/**
 * A device that runs no agent of ours (a PLC, a switch, a UPS): a network namespace on the lab bridge
 * with what such a device answers on the network: Debian's snmpd (SNMPv2c community and an SNMPv3
 * authPriv user, the interface table from the namespace's real interfaces, a UPS-MIB group from a
 * small script), a plain TCP port (Modbus/TCP's 502 by default) and an HTTPS page with a certificate of
 * chosen lifetime. No systemd, no SSH: nothing is ever installed on it.
 */
export interface WatchedDeviceOptions {
    /** SNMP agent settings; without them the device answers no SNMP. */
    readonly snmp?: {
        readonly community: string;
        readonly v3?: { readonly user: string; readonly authPassword: string; readonly privPassword: string };
    };
    /** TCP ports that accept connections. Defaults to [502]. */
    readonly tcpPorts?: readonly number[];
    /** An HTTPS server on this port, with a self-signed certificate valid this many days. */
    readonly https?: { readonly port: number; readonly days: number };
    /** A second interface whose peer can be cut, to take a port down while the device stays reachable. */
    readonly spareInterface?: boolean;
}

export interface WatchedDevice {
    readonly name: string;
    readonly index: number;
    readonly ip: string;
    readonly dir: string;
    readonly options: WatchedDeviceOptions;
    snmpdPid?: number;
    serverPid?: number;
}

/** The UPS-MIB objects (RFC 1628, upsMIB 1.3.6.1.2.1.33) the simulated UPS answers, from a state file. */
export const UPS_SCRIPT = `#!/bin/sh
# snmpd "pass" script: -g OID answers a get; getnext and set are refused (the UPS module uses gets only).
src=3; bat=2; mins=45; charge=100; secs=0
[ -f "$(dirname "$0")/ups-state" ] && . "$(dirname "$0")/ups-state"
b=.1.3.6.1.2.1.33.1
[ "$1" = -g ] || { echo NONE; exit 0; }
case "$2" in
  $b.2.1.0) v=$bat ;;
  $b.2.2.0) v=$secs ;;
  $b.2.3.0) v=$mins ;;
  $b.2.4.0) v=$charge ;;
  $b.4.1.0) v=$src ;;
  $b.6.1.0) v=0 ;;
  *) echo NONE; exit 0 ;;
esac
printf '%s\\ninteger\\n%s\\n' "$2" "$v"
`;

/** A TCP listener and an optional HTTPS server, in one node process inside the namespace. */
const SERVER_SCRIPT = `
const net = require("net"), https = require("https"), fs = require("fs");
const [ports, httpsPort, dir] = [JSON.parse(process.argv[1]), Number(process.argv[2]), process.argv[3]];
for (const p of ports) net.createServer((s) => s.end()).listen(p);
if (httpsPort) https.createServer({ key: fs.readFileSync(dir + "/tls.key"), cert: fs.readFileSync(dir + "/tls.crt") }, (q, r) => r.end("ok\\n")).listen(httpsPort);
`;

function deviceDir(name: string): string {
    return path.join(DEVICES_DIR, `watched-${name}`);
}

/** Starts a watched device at 10.213.0.<index>. */
export async function startWatchedDevice(name: string, index: number, options: WatchedDeviceOptions = {}): Promise<WatchedDevice> {
    ensureBridge();
    const ip = `${SUBNET_PREFIX}${index}`;
    const dir = deviceDir(name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    createDeviceNetwork(name, index, ip);
    const ns = netnsName(name);
    if (options.spareInterface) {
        // A veth pair inside the device: "port2" stays administratively up; taking its peer down takes
        // its carrier away, so IF-MIB reports it operationally down (a pulled cable).
        run("ip", ["-n", ns, "link", "add", "port2", "type", "veth", "peer", "name", "port2peer"]);
        run("ip", ["-n", ns, "link", "set", "port2peer", "up"]);
        run("ip", ["-n", ns, "link", "set", "port2", "up"]);
    }
    const device: WatchedDevice = { name, index, ip, dir, options };
    if (options.https) {
        run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path.join(dir, "tls.key"), "-out", path.join(dir, "tls.crt"), "-days", String(options.https.days), "-subj", `/CN=${name}`, "-addext", `subjectAltName=IP:${ip}`]);
    }
    const ports = options.tcpPorts ?? [502];
    if (ports.length || options.https) {
        const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", SERVER_SCRIPT, JSON.stringify(ports), String(options.https?.port ?? 0), dir], { detached: true, stdio: "ignore" });
        child.unref();
        device.serverPid = child.pid;
    }
    if (options.snmp) {
        fs.writeFileSync(path.join(dir, "ups-sim.sh"), UPS_SCRIPT, { mode: 0o755 });
        const v3 = options.snmp.v3;
        fs.writeFileSync(
            path.join(dir, "snmpd.conf"),
            [
                `rocommunity ${options.snmp.community} default`,
                ...(v3 ? [`createUser ${v3.user} SHA "${v3.authPassword}" AES "${v3.privPassword}"`, `rouser ${v3.user} priv`] : []),
                `sysName ${name}`,
                "sysLocation lab",
                "sysContact lab",
                `pass .1.3.6.1.2.1.33 /bin/sh ${path.join(dir, "ups-sim.sh")}`,
                "",
            ].join("\n"),
            { mode: 0o600 },
        );
        await startSnmpd(device);
    }
    return device;
}

/** Starts (again) the device's SNMP agent and waits until it answers. */
export async function startSnmpd(d: WatchedDevice): Promise<void> {
    const persist = path.join(d.dir, "snmp-state");
    fs.mkdirSync(persist, { recursive: true });
    const log = fs.openSync(path.join(d.dir, "snmpd.log"), "a");
    // -m "": the agent needs no MIB files (Debian ships few); -C: only this configuration.
    const child = spawn("ip", ["netns", "exec", netnsName(d.name), "/usr/sbin/snmpd", "-f", "-Lo", "-m", "", "-C", "-c", path.join(d.dir, "snmpd.conf"), `udp:${d.ip}:161`], {
        detached: true,
        stdio: ["ignore", log, log],
        env: { ...process.env, SNMP_PERSISTENT_DIR: persist },
    });
    fs.closeSync(log);
    child.unref();
    d.snmpdPid = child.pid;
    for (let i = 0; i < 50; i++) {
        if (run("ip", ["netns", "exec", netnsName(d.name), "snmpget", "-v2c", "-c", d.options.snmp!.community, "-m", "", "-t", "0.3", "-r", "0", `${d.ip}`, "1.3.6.1.2.1.1.3.0"], { allowFail: true }).includes("Timeticks")) return;
        await sleep(100);
    }
    throw new Error(`snmpd on ${d.name} did not answer; log: ${fs.readFileSync(path.join(d.dir, "snmpd.log"), "utf8").slice(-1000)}`);
}

async function stopPid(pid: number | undefined): Promise<void> {
    if (!pid || !isAlive(pid)) return;
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

/** Stops the device's SNMP agent (the device stays on the network). */
export async function stopSnmpd(d: WatchedDevice): Promise<void> {
    await stopPid(d.snmpdPid);
    d.snmpdPid = undefined;
}

/** What the simulated UPS reports: on mains or on battery, battery normal or low. */
export function setUps(d: WatchedDevice, state: { onBattery: boolean; batteryLow: boolean }): void {
    const text = `src=${state.onBattery ? 5 : 3}; bat=${state.batteryLow ? 3 : 2}; secs=${state.onBattery ? 60 : 0}; mins=${state.batteryLow ? 4 : 45}\n`;
    fs.writeFileSync(path.join(d.dir, "ups-state.tmp"), text);
    fs.renameSync(path.join(d.dir, "ups-state.tmp"), path.join(d.dir, "ups-state"));
}

/** Cuts the device off the network (its veth goes down on the bridge side), or reconnects it. */
export function setConnected(d: WatchedDevice, connected: boolean): void {
    setDeviceConnected(d.index, connected);
}

/** Pulls or plugs the cable of the spare interface. */
export function setSparePort(d: WatchedDevice, up: boolean): void {
    run("ip", ["-n", netnsName(d.name), "link", "set", "port2peer", up ? "up" : "down"]);
}

export async function stopWatchedDevice(d: WatchedDevice): Promise<void> {
    await stopSnmpd(d);
    await stopPid(d.serverPid);
    removeDeviceNetwork(d.name, d.index);
    fs.rmSync(d.dir, { recursive: true, force: true });
}

/** The values of the secrets plcSwitchUps' fleet names (labCommunity, upsAuth, upsPriv). */
export interface PlcSwitchUpsSecrets {
    readonly labCommunity: string;
    readonly upsAuth: string;
    readonly upsPriv: string;
}

/**
 * Starts the devices of labFleet's plcSwitchUps(first) as that fleet describes them: the PLC's Modbus/TCP
 * port and its HTTPS page (a 5-day certificate), the switch's agent (with a spare port), the UPS's SNMPv3
 * agent. Each is pushed onto `into` as soon as it runs, so a failure half-way leaves the caller able to stop them.
 */
export async function startPlcSwitchUps(first: number, secrets: PlcSwitchUpsSecrets, into: WatchedDevice[]): Promise<void> {
    into.push(await startWatchedDevice("plc-01", first, { tcpPorts: [502], https: { port: 8443, days: 5 } }));
    into.push(await startWatchedDevice("sw-01", first + 1, { snmp: { community: secrets.labCommunity }, tcpPorts: [], spareInterface: true }));
    into.push(await startWatchedDevice("ups-01", first + 2, { snmp: { community: "not-used", v3: { user: "monitor", authPassword: secrets.upsAuth, privPassword: secrets.upsPriv } }, tcpPorts: [] }));
}
