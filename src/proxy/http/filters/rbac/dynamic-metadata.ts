// Per-request dynamic metadata written by authn filters (JWT payloads, Istio's istio_authn keys)
// and read by RBAC, kept beside the request without widening the HTTP stream contract.
import type { HttpStream } from "../http-filter.js";
import type { DynamicMetadata } from "./rbac-request.js";

const store = new WeakMap<HttpStream, Map<string, Record<string, unknown>>>();
const EMPTY: DynamicMetadata = new Map();

export function setMetadata(ex: HttpStream, filter: string, key: string, value: unknown): void {
  let m = store.get(ex);
  if (m === undefined) { m = new Map(); store.set(ex, m); }
  let ns = m.get(filter);
  if (ns === undefined) { ns = {}; m.set(filter, ns); }
  ns[key] = value;
}

export function metadataOf(ex: HttpStream): DynamicMetadata {
  return store.get(ex) ?? EMPTY;
}

/** Istio's namespace for authenticated attributes (request.auth.*, source.principal). */
export const ISTIO_AUTHN = "istio_authn";
