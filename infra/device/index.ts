export * from "./checksums";
export * from "./deviceCommands";
export * from "./dialBudget";
export * from "./pushedTarballs";
export * from "./installResult";
export * from "./collectorWal";
export * from "./collectorCommands";
