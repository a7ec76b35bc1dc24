import type { KindDefinition } from "../../kind.js";
import { telemetryKind } from "./telemetry.js";

export type { Telemetry, TelemetrySpec, Tracing, Metrics, MetricsOverrides, AccessLogging, CustomTag } from "./telemetry.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own body type
export const telemetryKinds: KindDefinition<any>[] = [telemetryKind];
