// The decoded, typed form of one configuration object (an Istio or Kubernetes resource).

export interface ObjectMeta {
  name: string;
  /** Always set after decoding for namespaced kinds ("default" when the document had none, as kubectl does). */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  creationTimestamp?: string;
}

/** Where a resource came from: file and 1-based line of its document start. */
export interface SourceRef {
  file: string;
  line: number;
}

/**
 * A decoded resource: apiVersion, kind, metadata and the kind's own top-level fields (`spec`, or
 * `data`/`type` for Secret and ConfigMap, …) given by Body.
 */
export type Resource<Body extends object = Record<string, unknown>> = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  source?: SourceRef;
} & Body;

export function resourceKey(r: { kind: string; metadata: ObjectMeta }): string {
  return `${r.kind}/${r.metadata.namespace ?? ""}/${r.metadata.name}`;
}
