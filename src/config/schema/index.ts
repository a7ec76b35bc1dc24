// Shared schema helpers for every kind (zod building blocks and check functions for validate()).
export * from "./common.js";
export * from "./duration.js";
export * from "./hosts.js";
export * from "./names.js";
export * from "./regex.js";
