// Workloads the platform adds and removes at run time (the local platform's pods), keyed by
// namespace/name. Upserts that change nothing are not reported, so they cause no push.
import { z } from "zod";
import { MizzenError } from "../../errors.js";

export interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Named container ports (for Service targetPort by name). */
  readonly ports: Readonly<Record<string, number>>;
  readonly ready: boolean;
  readonly serviceAccount?: string | undefined;
  readonly locality?: string | undefined;
}

const workloadSchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1).default("default"),
  address: z.string().min(1),
  labels: z.record(z.string(), z.string()).default({}),
  ports: z.record(z.string(), z.number().int().min(1).max(65535)).default({}),
  ready: z.boolean().default(true),
  serviceAccount: z.string().optional(),
  locality: z.string().optional(),
});

/** The body of `POST /debug/workloads`. */
export const workloadUpdateSchema = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("upsert"), workload: workloadSchema }),
  z.strictObject({ op: z.literal("remove"), namespace: z.string().min(1).default("default"), name: z.string().min(1) }),
]);
export type WorkloadUpdate = z.infer<typeof workloadUpdateSchema>;

/** Decodes an update; throws MIZZEN_ERR_WORKLOAD_UPDATE with every problem and its path. */
export function decodeWorkloadUpdate(body: unknown): WorkloadUpdate {
  const r = workloadUpdateSchema.safeParse(body);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new MizzenError("MIZZEN_ERR_WORKLOAD_UPDATE", `invalid workload update: ${details.join("; ")}`, { details });
}

export class LiveWorkloads {
  private readonly byKey = new Map<string, Workload>();
  onChange: (() => void) | undefined;

  /** Applies an update; returns whether anything changed. */
  apply(update: WorkloadUpdate): boolean {
    if (update.op === "remove") {
      const removed = this.byKey.delete(`${update.namespace}/${update.name}`);
      if (removed) this.onChange?.();
      return removed;
    }
    const w = update.workload;
    const key = `${w.namespace}/${w.name}`;
    const prev = this.byKey.get(key);
    if (prev && JSON.stringify(prev) === JSON.stringify(w)) return false;
    this.byKey.set(key, w);
    this.onChange?.();
    return true;
  }

  list(): Workload[] {
    return [...this.byKey.values()];
  }
}
