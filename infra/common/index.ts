export * from "./hostKey";
export * from "./provisionerScripts";
export * from "./shellQuote";
export * from "./payload";
export * from "./userError";
export * from "./projectRoot";
