// Decoded peer metadata by header value: a proxy sees few distinct peers, so each header is
// decoded once. Bounded: the cache is dropped whole when full (peers are cheap to re-decode).
import { decodePeerMetadata, type WorkloadMetadata } from "../metadata/workload-metadata.js";

const MAX_ENTRIES = 1024;
const cache = new Map<string, WorkloadMetadata | null>();

export function peerFromHeader(value: string, id: string): WorkloadMetadata | null {
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  const md = decodePeerMetadata(value, id);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(value, md);
  return md;
}
