// Cross-resource analysis with Istio's IST message codes.
export { analyze, type AnalyzeInput, type AnalyzeOptions, type AnalyzeResult } from "./analyze.js";
export type { Analyzer } from "./analyzer.js";
export { AnalysisContext, type Workload } from "./context.js";
export { levelRank, parseLevel, renderMessage, structuredMessage, type AnalysisMessage, type Level, type MessageType } from "./message.js";
export { MessageTypes } from "./messages.js";
export { analyzers } from "./registry.js";
