// Per-connection dynamic metadata: written by a network filter (the RBAC shadow engine's
// effective policy id, as Envoy's network rbac emits it) and read by later filters of the same
// chain (ext_authz's filter_enabled_metadata). Kept beside the socket without widening
// ConnectionInfo; entries go with the socket.
import type { Socket } from "node:net";
import type { DynamicMetadata } from "../http/filters/rbac/rbac-request.js";

const store = new WeakMap<Socket, Map<string, Record<string, unknown>>>();
const EMPTY: DynamicMetadata = new Map();

export function setConnectionMetadata(socket: Socket, filter: string, key: string, value: unknown): void {
  let m = store.get(socket);
  if (m === undefined) { m = new Map(); store.set(socket, m); }
  let ns = m.get(filter);
  if (ns === undefined) { ns = {}; m.set(filter, ns); }
  ns[key] = value;
}

export function connectionMetadataOf(socket: Socket): DynamicMetadata {
  return store.get(socket) ?? EMPTY;
}
