/** Tests are TypeScript, type-checked once by `tsc --noEmit` in `npm test`, so ts-jest only transpiles. */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
    testTimeout: 120000,
};
