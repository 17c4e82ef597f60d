import * as fs from "fs";
import { run, tryRun } from "./exec";
import { BRIDGE, BRIDGE_IP } from "./paths";

/** The lab bridge in the root namespace: the host side of every device's veth, and the mirror's address. */
export function ensureBridge(): void {
    if (!tryRun("ip", ["link", "show", BRIDGE])) {
        run("ip", ["link", "add", BRIDGE, "type", "bridge"]);
        run("ip", ["addr", "add", `${BRIDGE_IP}/24`, "dev", BRIDGE]);
    }
    run("ip", ["link", "set", BRIDGE, "up"]);
}

export function removeBridge(): void {
    if (tryRun("ip", ["link", "show", BRIDGE])) run("ip", ["link", "del", BRIDGE], { allowFail: true });
}

/** veth names are limited to 15 characters, so they come from the device's index, not its name. */
function vethNames(index: number): { host: string; device: string } {
    return { host: `iil${index}h`, device: `iil${index}d` };
}

export function netnsName(device: string): string {
    return `iiot-${device}`;
}

/** A network namespace for one device, wired to the bridge, with the device's address. */
export function createDeviceNetwork(device: string, index: number, ip: string): string {
    const ns = netnsName(device);
    const veth = vethNames(index);
    removeDeviceNetwork(device, index);
    try {
        run("ip", ["netns", "add", ns]);
        run("ip", ["link", "add", veth.host, "type", "veth", "peer", "name", veth.device]);
        run("ip", ["link", "set", veth.device, "netns", ns]);
        run("ip", ["link", "set", veth.host, "master", BRIDGE, "up"]);
        run("ip", ["-n", ns, "addr", "add", `${ip}/24`, "dev", veth.device]);
        run("ip", ["-n", ns, "link", "set", veth.device, "up"]);
        run("ip", ["-n", ns, "link", "set", "lo", "up"]);
        run("ip", ["-n", ns, "route", "add", "default", "via", BRIDGE_IP]);
    } catch (e) {
        // Half a network (a veth on the bridge, a namespace without its address) is taken down again.
        removeDeviceNetwork(device, index);
        throw e;
    }
    return `/run/netns/${ns}`;
}

/** Removes the namespace and, explicitly, the host side of its veth (the kernel does so only later). */
export function removeDeviceNetwork(device: string, index: number): void {
    const ns = netnsName(device);
    if (fs.existsSync(`/run/netns/${ns}`)) run("ip", ["netns", "del", ns], { allowFail: true });
    const { host } = vethNames(index);
    if (tryRun("ip", ["link", "show", host])) run("ip", ["link", "del", host], { allowFail: true });
}

/** Renumbers a device: its interface gets `to` and loses `from` (the old address then answers nothing). */
export function renumberDevice(device: string, index: number, from: string, to: string): void {
    const ns = netnsName(device);
    const dev = vethNames(index).device;
    // In this order: deleting a primary address also deletes the secondaries of its subnet.
    run("ip", ["-n", ns, "addr", "del", `${from}/24`, "dev", dev]);
    run("ip", ["-n", ns, "addr", "add", `${to}/24`, "dev", dev]);
}

/** Cuts a device off the lab network (the bridge side of its veth goes down), or connects it again. */
export function setDeviceConnected(index: number, connected: boolean): void {
    run("ip", ["link", "set", vethNames(index).host, connected ? "up" : "down"]);
}
