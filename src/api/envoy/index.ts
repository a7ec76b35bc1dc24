// Envoy's v3 API: protos, Envoy JSON conversion, validate rules, type URLs, discovery messages.
export { envoyRoot, envoyType, findEnvoyType, envoyProtoIncludeDirs } from "./protos.js";
export { toEnvoyJson, anyToEnvoyJson, type ToEnvoyJsonOptions } from "./to-envoy-json.js";
export { fromEnvoyJson, decodeEnvoyJson, encodeEnvoyJson } from "./from-envoy-json.js";
export { validateEnvoyMessage } from "./validate.js";
export { formatFieldPath, formatProblem, type FieldPath, type FieldProblem } from "./problems.js";
export * from "./type-urls.js";
export * from "./discovery.js";
