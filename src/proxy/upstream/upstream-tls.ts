// transport_socket → Cluster.tls. The proxy server passes part B's builder (src/proxy/tls, with
// SDS secrets) as an UpstreamTlsBuilder; this default handles inline/file PEMs only, so clusters
// work stand-alone and in tests.
import { readFileSync } from "node:fs";
import type { Cluster, EnvoyJson } from "../contracts.js";
import { invalid, isObject, readArray, readObject, readString } from "./envoy-json.js";
import { nodeTls } from "../lazy-builtins.js";

export type ClusterTls = NonNullable<Cluster["tls"]>;

/** Builds Cluster.tls from an UpstreamTlsContext (its fields, without "@type"). */
export type UpstreamTlsBuilder = (upstreamTlsContext: EnvoyJson, field: string) => ClusterTls;

export const TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
export const UPSTREAM_TLS_CONTEXT_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

/** Reads a DataSource: inline_string, inline_bytes (base64) or filename. */
function readDataSource(obj: EnvoyJson, key: string, path: string): string | undefined {
  const ds = readObject(obj, key, path);
  if (!ds) return undefined;
  const at = `${path}.${key}`;
  const inline = readString(ds, "inline_string", at);
  if (inline !== undefined) return inline;
  const bytes = readString(ds, "inline_bytes", at);
  if (bytes !== undefined) return Buffer.from(bytes, "base64").toString("utf8");
  const file = readString(ds, "filename", at);
  if (file !== undefined) {
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      throw invalid(`${at}.filename`, `cannot read ${file}: ${(e as Error).message}`);
    }
  }
  throw invalid(at, "needs inline_string, inline_bytes or filename");
}

export const inlineUpstreamTls: UpstreamTlsBuilder = (json, field) => {
  const common = readObject(json, "common_tls_context", field) ?? {};
  const cpath = `${field}.common_tls_context`;
  if (readArray(common, "tls_certificate_sds_secret_configs", cpath).length > 0) {
    throw invalid(`${cpath}.tls_certificate_sds_secret_configs`, "SDS secrets need the proxy's secret store");
  }
  if (readObject(common, "validation_context_sds_secret_config", cpath)) {
    throw invalid(`${cpath}.validation_context_sds_secret_config`, "SDS secrets need the proxy's secret store");
  }
  const certs = readArray(common, "tls_certificates", cpath);
  const options: { cert?: string; key?: string; ca?: string } = {};
  const first = certs[0];
  if (first !== undefined) {
    if (!isObject(first)) throw invalid(`${cpath}.tls_certificates[0]`, "must be an object");
    const cat = `${cpath}.tls_certificates[0]`;
    const cert = readDataSource(first, "certificate_chain", cat);
    const key = readDataSource(first, "private_key", cat);
    if (cert !== undefined) options.cert = cert;
    if (key !== undefined) options.key = key;
  }
  const combined = readObject(common, "combined_validation_context", cpath);
  const vpath = combined ? `${cpath}.combined_validation_context.default_validation_context` : `${cpath}.validation_context`;
  const validation = combined ? readObject(combined, "default_validation_context", `${cpath}.combined_validation_context`)
    : readObject(common, "validation_context", cpath);
  const matchUriSans: string[] = [];
  if (validation) {
    const ca = readDataSource(validation, "trusted_ca", vpath);
    if (ca !== undefined) options.ca = ca;
    for (const [i, m] of readArray(validation, "match_typed_subject_alt_names", vpath).entries()) {
      const at = `${vpath}.match_typed_subject_alt_names[${i}]`;
      if (!isObject(m)) throw invalid(at, "must be an object");
      const type = readString(m, "san_type", at);
      const exact = readObject(m, "matcher", at)?.["exact"];
      if ((type === "URI" || type === undefined) && typeof exact === "string") matchUriSans.push(exact);
    }
    for (const [i, m] of readArray(validation, "match_subject_alt_names", vpath).entries()) {
      if (!isObject(m)) throw invalid(`${vpath}.match_subject_alt_names[${i}]`, "must be an object");
      if (typeof m["exact"] === "string") matchUriSans.push(m["exact"]);
    }
  }
  let context;
  try {
    context = nodeTls().createSecureContext(options);
  } catch (e) {
    throw invalid(`${cpath}.tls_certificates`, `bad certificate or key: ${(e as Error).message}`);
  }
  const sni = readString(json, "sni", field);
  const alpn = readArray(common, "alpn_protocols", cpath).filter((a): a is string => typeof a === "string");
  return {
    context,
    ...(sni ? { sni } : {}),
    ...(alpn.length > 0 ? { alpn } : {}),
    matchUriSans,
    verify: options.ca !== undefined,
  };
};

/** Cluster.transport_socket → Cluster.tls (undefined for raw_buffer or none). */
export function compileTransportSocket(cluster: EnvoyJson, path: string, build: UpstreamTlsBuilder): ClusterTls | undefined {
  const ts = readObject(cluster, "transport_socket", path);
  return ts ? compileSocket(ts, `${path}.transport_socket`, build) : undefined;
}

export interface TransportSocketMatch {
  readonly name: string;
  /** Every key must equal the endpoint's envoy.transport_socket_match metadata; {} matches all. */
  readonly match: Readonly<Record<string, unknown>>;
  /** null = plaintext (raw_buffer). */
  readonly tls: ClusterTls | null;
}

/** Cluster.transport_socket_matches (Istio's tlsMode-istio / tlsMode-disabled auto-mTLS). */
export function compileTransportSocketMatches(cluster: EnvoyJson, path: string, build: UpstreamTlsBuilder): TransportSocketMatch[] {
  return readArray(cluster, "transport_socket_matches", path).map((m, i) => {
    const at = `${path}.transport_socket_matches[${i}]`;
    if (!isObject(m)) throw invalid(at, "must be an object");
    const ts = readObject(m, "transport_socket", at);
    return {
      name: readString(m, "name", at) ?? "",
      match: readObject(m, "match", at) ?? {},
      tls: ts ? compileSocket(ts, `${at}.transport_socket`, build) ?? null : null,
    };
  });
}

/** The first transport_socket_matches entry matching an endpoint's metadata, or undefined. */
export function matchTransportSocket(matches: readonly TransportSocketMatch[], metadata: Readonly<Record<string, unknown>> | undefined): TransportSocketMatch | undefined {
  return matches.find((m) => Object.entries(m.match).every(([k, v]) => metadata !== undefined && metadata[k] === v));
}

function compileSocket(ts: EnvoyJson, at: string, build: UpstreamTlsBuilder): ClusterTls | undefined {
  const name = readString(ts, "name", at);
  const typed = readObject(ts, "typed_config", at);
  const type = typed ? readString(typed, "@type", `${at}.typed_config`) : undefined;
  if (type === UPSTREAM_TLS_CONTEXT_TYPE || (name === TLS_TRANSPORT_SOCKET && typed)) {
    if (type !== UPSTREAM_TLS_CONTEXT_TYPE) throw invalid(`${at}.typed_config.@type`, `must be ${UPSTREAM_TLS_CONTEXT_TYPE}`);
    const rest: EnvoyJson = { ...typed };
    delete rest["@type"];
    return build(rest, `${at}.typed_config`);
  }
  if (name === "envoy.transport_sockets.raw_buffer" || type?.endsWith(".RawBuffer")) return undefined;
  throw invalid(at, `unsupported transport socket ${type ?? name ?? "(unnamed)"}`);
}
