// Istio's NDS resource (istio.networking.nds.v1.NameTable) loaded with protobufjs from
// proto/istio/networking/nds/v1/nds.proto, found from this module upwards (works from src/ and
// dist/src/); encode for the control plane, decode (into plain JSON) for the proxy.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { MizzenError, errorMessage } from "../../errors.js";

export const NAME_TABLE_TYPE = "istio.networking.nds.v1.NameTable";
export const NDS_TYPE_URL = `type.googleapis.com/${NAME_TABLE_TYPE}`;

const NDS_PROTO_RELATIVE = join("src", "api", "istio", "proto", "istio", "networking", "nds", "v1", "nds.proto");

export interface NameInfo {
  ips: string[];
  /** "Kubernetes" (Services) or "External" (ServiceEntry hosts), as Istio's registries are named. */
  registry: string;
  /** The Kubernetes Service name (registry Kubernetes only). */
  shortname: string;
  /** The Kubernetes namespace (registry Kubernetes only). */
  namespace: string;
  alt_hosts: string[];
}

export interface NameTable {
  /** Host name → its addresses and Kubernetes names. */
  table: Record<string, NameInfo>;
}

function ndsProtoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, NDS_PROTO_RELATIVE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new MizzenError("MIZZEN_ERR_NDS_PROTO", `cannot find ${NDS_PROTO_RELATIVE} above ${fileURLToPath(import.meta.url)}`);
}

let cachedType: protobuf.Type | undefined;

/** The NameTable message type; loaded on first use. */
export function nameTableType(): protobuf.Type {
  if (cachedType) return cachedType;
  try {
    const root = new protobuf.Root().loadSync(ndsProtoPath(), { keepCase: true });
    root.resolveAll();
    cachedType = root.lookupType(NAME_TABLE_TYPE);
  } catch (e) {
    if (e instanceof MizzenError) throw e;
    throw new MizzenError("MIZZEN_ERR_NDS_PROTO", `cannot load ${NAME_TABLE_TYPE}: ${errorMessage(e)}`, { cause: e });
  }
  return cachedType;
}

export function encodeNameTable(t: NameTable): Uint8Array {
  const type = nameTableType();
  return type.encode(type.fromObject(t)).finish();
}

/** Decodes NameTable bytes into plain JSON with every field present; throws MIZZEN_ERR_NDS_INVALID. */
export function decodeNameTable(bytes: Uint8Array): NameTable {
  const type = nameTableType();
  let obj: { table?: Record<string, Partial<NameInfo>> };
  try {
    obj = type.toObject(type.decode(bytes), { defaults: true, arrays: true, objects: true }) as typeof obj;
  } catch (e) {
    throw new MizzenError("MIZZEN_ERR_NDS_INVALID", `cannot decode ${NAME_TABLE_TYPE}: ${errorMessage(e)}`, { cause: e });
  }
  const table: Record<string, NameInfo> = {};
  for (const [host, info] of Object.entries(obj.table ?? {})) {
    table[host] = {
      ips: [...(info.ips ?? [])],
      registry: info.registry ?? "",
      shortname: info.shortname ?? "",
      namespace: info.namespace ?? "",
      alt_hosts: [...(info.alt_hosts ?? [])],
    };
  }
  return { table };
}
