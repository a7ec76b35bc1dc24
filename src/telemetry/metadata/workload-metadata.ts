// A workload's identity for telemetry, read from the bootstrap node.metadata in Istio's keys
// (NAME, NAMESPACE, LABELS, WORKLOAD_NAME, SERVICE_ACCOUNT, CLUSTER_ID, MESH_ID) and carried to
// the peer sidecar in x-envoy-peer-metadata (base64 protobuf Struct) with x-envoy-peer-metadata-id.
import { decodeStruct, encodeStruct, type StructObject, type StructValue } from "./struct-codec.js";

export const PEER_METADATA_HEADER = "x-envoy-peer-metadata";
export const PEER_METADATA_ID_HEADER = "x-envoy-peer-metadata-id";

export interface WorkloadMetadata {
  readonly workload: string;
  readonly namespace: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly serviceAccount: string;
  readonly cluster: string;
  readonly meshId: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The node id (x-envoy-peer-metadata-id). */
  readonly id: string;
}

export const UNKNOWN = "unknown";

function s(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

/** From node.metadata (bootstrap JSON or a decoded peer Struct); missing keys read as "unknown" as Istio does. */
export function workloadMetadataFrom(meta: Record<string, unknown>, id = ""): WorkloadMetadata {
  const labels = labelsOf(meta["LABELS"]);
  const name = s(meta["NAME"]);
  const workload = s(meta["WORKLOAD_NAME"]) || name || UNKNOWN;
  const app = labels["app"] ?? labels["app.kubernetes.io/name"] ?? "";
  const version = labels["version"] ?? labels["app.kubernetes.io/version"] ?? "";
  return {
    workload,
    namespace: s(meta["NAMESPACE"]) || UNKNOWN,
    app: app || UNKNOWN,
    version: version || UNKNOWN,
    canonicalService: labels["service.istio.io/canonical-name"] ?? (app || workload),
    canonicalRevision: labels["service.istio.io/canonical-revision"] ?? (version || "latest"),
    serviceAccount: s(meta["SERVICE_ACCOUNT"]),
    cluster: s(meta["CLUSTER_ID"]) || UNKNOWN,
    meshId: s(meta["MESH_ID"]) || UNKNOWN,
    labels,
    id,
  };
}

/** Istio's principal form for a service account under a trust domain. */
export function spiffePrincipal(md: WorkloadMetadata, trustDomain = "cluster.local"): string {
  return md.serviceAccount === "" || md.namespace === UNKNOWN ? UNKNOWN : `spiffe://${trustDomain}/ns/${md.namespace}/sa/${md.serviceAccount}`;
}

function toStruct(md: WorkloadMetadata): StructObject {
  const labels: StructObject = {};
  for (const [k, v] of Object.entries(md.labels)) labels[k] = v;
  labels["service.istio.io/canonical-name"] = md.canonicalService;
  labels["service.istio.io/canonical-revision"] = md.canonicalRevision;
  const o: Record<string, StructValue> = { NAME: md.workload, NAMESPACE: md.namespace, WORKLOAD_NAME: md.workload, LABELS: labels };
  if (md.cluster !== UNKNOWN) o["CLUSTER_ID"] = md.cluster;
  if (md.meshId !== UNKNOWN) o["MESH_ID"] = md.meshId;
  if (md.serviceAccount !== "") o["SERVICE_ACCOUNT"] = md.serviceAccount;
  return o;
}

/** The header value for our own metadata: computed once per node, not per request. */
export function encodePeerMetadata(md: WorkloadMetadata): string {
  return Buffer.from(encodeStruct(toStruct(md))).toString("base64");
}

/** A peer's metadata from its headers; null for a missing or malformed value. */
export function decodePeerMetadata(value: string | undefined, id = ""): WorkloadMetadata | null {
  if (value === undefined || value === "" || value.length > 16384) return null;
  const st = decodeStruct(Buffer.from(value, "base64"));
  if (st === null || Object.keys(st).length === 0) return null;
  return workloadMetadataFrom(st, id);
}
