/**
 * Tests are TypeScript, type-checked once by `tsc --noEmit` in `npm test`, so ts-jest only transpiles.
 * Five projects, disjoint: `preflight` (every program the tests start is installed, run first), `unit`
 * (pure logic and offline tools), `program` (the program under Pulumi mocks), `lab` (simulated devices on
 * the lab bridge, in band: they share the bridge, the mirror's port and device addresses) and `servers`
 * (real servers on loopback ports or namespaces of their own, in band). `npm test` runs them through
 * test/runAll.ts, under /tmp/iiotmon-lab.lock, three lanes side by side; `npm run test:unit` runs `unit`.
 */
const base = {
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
};
/** Suites that start servers on loopback or in namespaces of their own, never on the lab bridge: the `servers` project, beside the lab. */
const SERVERS = [
    "<rootDir>/test/lab/backupRestore.test.ts",
    "<rootDir>/test/lab/dataVolumeGrow.test.ts",
    "<rootDir>/test/lab/grafanaProxy.test.ts",
    "<rootDir>/test/render/exporterSeries.test.ts",
    "<rootDir>/test/render/fleetRecord.test.ts",
    "<rootDir>/test/render/longTermRemoteWrite.test.ts",
    "<rootDir>/test/render/maintenanceAlertmanager.test.ts",
    "<rootDir>/test/render/maintenanceDstSwitch.test.ts",
    "<rootDir>/test/upstream/nodeExporterLabels.test.ts",
];
/** Starts an Alertmanager on 127.0.0.1:19093, the address the lab's Prometheus sends alerts to: beside the lab suites, in band. */
const LAB_ALSO = ["<rootDir>/test/render/alertmanager.test.ts"];

module.exports = {
    testTimeout: 120000,
    projects: [
        { ...base, displayName: "preflight", testMatch: ["<rootDir>/test/preflight/**/*.test.ts"] },
        { ...base, displayName: "unit", testMatch: ["<rootDir>/test/**/*.test.ts"], testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/preflight/", "<rootDir>/test/program/", "<rootDir>/test/lab/", ...SERVERS, ...LAB_ALSO] },
        { ...base, displayName: "program", testMatch: ["<rootDir>/test/program/**/*.test.ts"] },
        { ...base, displayName: "lab", testMatch: ["<rootDir>/test/lab/**/*.test.ts", ...LAB_ALSO], testPathIgnorePatterns: ["/node_modules/", ...SERVERS] },
        { ...base, displayName: "servers", testMatch: SERVERS },
    ],
};
