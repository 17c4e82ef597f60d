export * from "./nodeAlertThresholds";
export * from "./settings";
export * from "./collectorSettings";
