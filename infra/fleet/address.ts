import { isIPv4, isIPv6 } from "net";

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why `address` cannot be dialled as an IPv4, IPv6 or DNS name, or undefined if it can. */
export function addressProblem(address: string): string | undefined {
    if (isIPv4(address) || isIPv6(address)) return undefined;
    if (/^[0-9.]+$/.test(address)) return `"${address}" is not a valid IPv4 address`;
    if (address.includes(":")) {
        if (/^\[.*\]$/.test(address)) return `"${address}": write IPv6 addresses without brackets`;
        if (/:\d+$/.test(address) && !address.includes("::")) {
            return `"${address}" looks like host:port; put the port in ssh.port`;
        }
        return `"${address}" is not a valid IPv6 address`;
    }
    const name = address.endsWith(".") ? address.slice(0, -1) : address;
    if (name.length > 253 || !name.split(".").every((l) => HOST_LABEL.test(l))) {
        return `"${address}" is not a valid IPv4, IPv6 or DNS name`;
    }
    return undefined;
}

/** One spelling per address, so duplicates are found whatever case or IPv6 form was used. */
export function canonicalAddress(address: string): string {
    if (isIPv6(address)) {
        // URL parsing compresses IPv6 the standard way (RFC 5952), e.g. 2001:DB8:0::1 -> 2001:db8::1.
        return new URL(`http://[${address}]/`).hostname.slice(1, -1);
    }
    return address.toLowerCase().replace(/\.$/, "");
}
