// The payload of Istio's TCP metadata exchange: a protobuf Any whose type is
// google.protobuf.Struct, holding {"x-envoy-peer-metadata": <node metadata Struct>,
// "x-envoy-peer-metadata-id": <node id>} as Istio's metadata_exchange filter writes it. A flat
// Struct of node metadata (newer proxies) is read as well. Decoding never throws.
import { decodeStruct, encodeStruct, type StructObject } from "./struct-codec.js";
import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, encodePeerMetadata, workloadMetadataFrom, type WorkloadMetadata } from "./workload-metadata.js";

export const STRUCT_TYPE_URL = "type.googleapis.com/google.protobuf.Struct";

function varint(n: number, out: number[]): void {
  let v = n >>> 0;
  while (v > 0x7f) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
  out.push(v);
}

/** The Any for our node, built once per proxy. */
export function encodeExchangePayload(md: WorkloadMetadata): Buffer {
  const node = decodeStruct(Buffer.from(encodePeerMetadata(md), "base64")) ?? {};
  const wrapped: StructObject = { [PEER_METADATA_HEADER]: node, [PEER_METADATA_ID_HEADER]: md.id };
  const value = encodeStruct(wrapped);
  const typeUrl = Buffer.from(STRUCT_TYPE_URL, "utf8");
  const head: number[] = [];
  varint((1 << 3) | 2, head);
  varint(typeUrl.length, head);
  const mid: number[] = [];
  varint((2 << 3) | 2, mid);
  varint(value.length, mid);
  return Buffer.concat([Buffer.from(head), typeUrl, Buffer.from(mid), value]);
}

/** Reads an Any's type_url and value; null when malformed. */
function readAny(b: Buffer): { typeUrl: string; value: Buffer } | null {
  let pos = 0;
  let typeUrl = "";
  let value: Buffer | null = null;
  const readVarint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= b.length) return -1;
      const x = b[pos++] as number;
      v += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) return v;
    }
    return -1;
  };
  while (pos < b.length) {
    const tag = readVarint();
    if (tag < 0 || (tag & 7) !== 2) return null;
    const len = readVarint();
    if (len < 0 || pos + len > b.length) return null;
    const body = b.subarray(pos, pos + len);
    pos += len;
    if (tag >>> 3 === 1) typeUrl = body.toString("utf8");
    else if (tag >>> 3 === 2) value = body;
  }
  return value === null ? null : { typeUrl, value };
}

/** The peer's workload metadata from its exchange payload; null when absent or malformed. */
export function decodeExchangePayload(payload: Buffer): WorkloadMetadata | null {
  const any = readAny(payload);
  if (any === null || any.typeUrl !== STRUCT_TYPE_URL) return null;
  const st = decodeStruct(any.value);
  if (st === null) return null;
  const nested = st[PEER_METADATA_HEADER];
  const id = st[PEER_METADATA_ID_HEADER];
  if (nested !== undefined && nested !== null && typeof nested === "object" && !Array.isArray(nested)) {
    return workloadMetadataFrom(nested, typeof id === "string" ? id : "");
  }
  if (Object.keys(st).length === 0) return null;
  return workloadMetadataFrom(st);
}

