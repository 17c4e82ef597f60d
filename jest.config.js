/**
 * Tests are TypeScript, type-checked once by `tsc --noEmit` in `npm test`, so ts-jest only transpiles.
 * Four projects, disjoint: `preflight` (every program the tests start is installed, run first), `unit`
 * (pure logic and offline tools), `program` (the program under Pulumi mocks) and `lab` (simulated devices
 * and real servers, in band: they share the lab bridge and ports). `npm test` runs them all through
 * test/runAll.ts, under /tmp/iiotmon-lab.lock; `npm run test:unit` runs `unit`.
 */
const base = {
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
};
/** Tests that start servers on this machine (PostgreSQL, Alertmanager, node_exporter) share the lab's lock. */
const SERVERS = ["<rootDir>/test/render/alertmanager.test.ts", "<rootDir>/test/render/fleetRecord.test.ts", "<rootDir>/test/upstream/nodeExporterLabels.test.ts"];

module.exports = {
    testTimeout: 120000,
    projects: [
        { ...base, displayName: "preflight", testMatch: ["<rootDir>/test/preflight/**/*.test.ts"] },
        { ...base, displayName: "unit", testMatch: ["<rootDir>/test/**/*.test.ts"], testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/preflight/", "<rootDir>/test/program/", "<rootDir>/test/lab/", ...SERVERS] },
        { ...base, displayName: "program", testMatch: ["<rootDir>/test/program/**/*.test.ts"] },
        { ...base, displayName: "lab", testMatch: ["<rootDir>/test/lab/**/*.test.ts", ...SERVERS] },
    ],
};
