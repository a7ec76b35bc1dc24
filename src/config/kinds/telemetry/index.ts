import type { KindDefinition } from "../../kind.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own body type
export const telemetryKinds: KindDefinition<any>[] = [];
