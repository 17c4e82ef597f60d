export * from "./nodeAlertThresholds";
export * from "./settings";
