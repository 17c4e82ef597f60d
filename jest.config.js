/**
 * Tests are TypeScript, type-checked once by `tsc --noEmit` in `npm test`, so ts-jest only transpiles.
 * Three projects, disjoint: `unit` (pure logic and offline tools, no lock), `program` (the program under
 * Pulumi mocks) and `lab` (simulated devices and real servers: run under /tmp/iiotmon-lab.lock).
 * `npm run test:unit` runs the first; `npm test` runs all three.
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
        { ...base, displayName: "unit", testMatch: ["<rootDir>/test/**/*.test.ts"], testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/program/", "<rootDir>/test/lab/", ...SERVERS] },
        { ...base, displayName: "program", testMatch: ["<rootDir>/test/program/**/*.test.ts"] },
        { ...base, displayName: "lab", testMatch: ["<rootDir>/test/lab/**/*.test.ts", ...SERVERS] },
    ],
};
