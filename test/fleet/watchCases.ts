import { device, HEAD } from "./malformedCases";

/** A fleet with every kind: a Linux gateway with a probe, a probe-only PLC, an SNMPv2c switch, an SNMPv3 UPS. */
export const MIXED_FLEET =
    HEAD.replace("sites:\n  north:\n    region: north-sea\n", "sites:\n  north:\n    region: north-sea\n    snmp: {version: 2c, communitySecret: northCommunity}\n") +
    device("gw-01", "10.0.0.1", "    probes:\n      - tcp: 502\n") +
    `  - name: plc-01
    address: 10.0.0.21
    site: north
    watch: probe
    labels: {role: plc}
    probes:
      - icmp
      - tcp: 502
      - https: {port: 8443, path: /status, status: [200, 401], verifyCertificate: false}
      - http
  - name: sw-01
    address: 10.0.0.31
    site: north
    watch: snmp
    probes: [icmp]
  - name: ups-01
    address: 10.0.0.41
    site: north
    watch: snmp
    snmp:
      version: 3
      user: monitor
      authProtocol: sha256
      authPasswordSecret: upsAuth
      privPasswordSecret: upsPriv
      modules: [ups, system]
      port: 1161
`;
