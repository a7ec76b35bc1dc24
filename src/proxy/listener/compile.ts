// Compiles an Envoy Listener (JSON) once into its runtime form. Filter chains whose JSON did not
// change are reused from the previous version, so their connections are not drained by an update.
import type { Socket } from "node:net";
import type { EnvoyJson, NetworkFilter, ProxyServices } from "../contracts.js";
import { DOWNSTREAM_TLS_TYPE, DownstreamTls } from "../tls/downstream.js";
import type { SecretStore } from "../tls/secret-store.js";
import { compileChainMatch, type CompiledChainMatch } from "./chain-match.js";
import { invalid, isObject, oneOfEnum, optBool, optDurationMs, optInt, optObject, optObjects, optString, reqObject, reqString, typeUrlOf } from "./envoy-fields.js";
import type { NetworkFilterRegistry } from "./filter-registry.js";
import type { InspectorSet } from "./inspect.js";
import { requireOriginalDst } from "./original-dst.js";

export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
const TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
const HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";
const ORIGINAL_DST = "envoy.filters.listener.original_dst";
const RAW_BUFFER_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

export interface CompiledChain {
  readonly name: string;
  /** Canonical JSON of the chain: equal keys mean an unchanged chain. */
  readonly key: string;
  readonly match: CompiledChainMatch;
  readonly tls?: DownstreamTls;
  readonly filters: readonly NetworkFilter[];
  /** Open downstream connections that use this chain (for draining). */
  readonly connections: Set<Socket>;
  draining: boolean;
}

export interface CompiledListener {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly ipv4Compat: boolean;
  readonly bindToPort: boolean;
  readonly useOriginalDst: boolean;
  readonly originalDst: boolean;
  readonly inspectors: InspectorSet;
  readonly chains: readonly CompiledChain[];
  readonly defaultChain?: CompiledChain;
  readonly bufferLimitBytes: number;
  readonly drainType: "DEFAULT" | "MODIFY_ONLY";
  readonly json: EnvoyJson;
}

export interface CompileContext {
  readonly registry: NetworkFilterRegistry;
  readonly services: ProxyServices;
  readonly secrets: SecretStore;
  /** Chains of the previous version of this listener, by key. */
  readonly reuse?: ReadonlyMap<string, CompiledChain>;
}

/** Identifies a listener filter by its typed_config @type (or its name when no typed_config). */
function listenerFilterKind(f: EnvoyJson, field: string): string {
  const tc = optObject(f, "typed_config", field);
  const t = tc ? typeUrlOf(tc, `${field}.typed_config`) : (optString(f, "name", field) ?? "");
  if (t.includes("tls_inspector")) return TLS_INSPECTOR;
  if (t.includes("http_inspector")) return HTTP_INSPECTOR;
  if (t.includes("original_dst")) return ORIGINAL_DST;
  throw invalid(`${field}`, `unsupported listener filter "${t}" (supported: original_dst, tls_inspector, http_inspector)`);
}

function compileChain(chain: EnvoyJson, field: string, ctx: CompileContext): CompiledChain {
  const key = JSON.stringify(chain);
  const reused = ctx.reuse?.get(key);
  if (reused && !reused.draining) return reused;
  const match = compileChainMatch(optObject(chain, "filter_chain_match", field), `${field}.filter_chain_match`);
  let tls: DownstreamTls | undefined;
  const ts = optObject(chain, "transport_socket", field);
  if (ts) {
    const tc = reqObject(ts, "typed_config", `${field}.transport_socket`);
    const t = typeUrlOf(tc, `${field}.transport_socket.typed_config`);
    if (t === DOWNSTREAM_TLS_TYPE) tls = new DownstreamTls(tc, ctx.secrets, `${field}.transport_socket.typed_config`);
    else if (t !== RAW_BUFFER_TYPE) throw invalid(`${field}.transport_socket.typed_config.@type`, `unsupported transport socket "${t}"`);
  }
  const filterJson = optObjects(chain, "filters", field);
  if (filterJson.length === 0) throw invalid(`${field}.filters`, "needs at least one network filter");
  const filters = filterJson.map((f, i) => {
    const ff = `${field}.filters[${i}]`;
    const tc = reqObject(f, "typed_config", ff);
    const t = typeUrlOf(tc, `${ff}.typed_config`);
    const factory = ctx.registry.get(t);
    if (!factory) throw invalid(`${ff}.typed_config.@type`, `no network filter registered for "${t}"`);
    return factory.create(tc, ctx.services);
  });
  return { name: optString(chain, "name", field) ?? "", key, match, filters, connections: new Set(), draining: false, ...(tls ? { tls } : {}) };
}

/** Throws MizzenError (MIZZEN_ERR_XDS_INVALID) naming the field when the listener is invalid. */
export function compileListener(json: unknown, ctx: CompileContext): CompiledListener {
  if (!isObject(json)) throw invalid("listener", "must be an object");
  const name = reqString(json, "name", "listener");
  const field = `listener "${name}"`;
  const sa = reqObject(reqObject(json, "address", field), "socket_address", `${field}.address`);
  const address = reqString(sa, "address", `${field}.address.socket_address`);
  const port = optInt(sa, "port_value", `${field}.address.socket_address`) ?? 0;
  if (port < 0 || port > 65535) throw invalid(`${field}.address.socket_address.port_value`, "must be 0..65535");
  const protocol = optString(sa, "protocol", `${field}.address.socket_address`);
  if (protocol !== undefined && protocol !== "TCP") throw invalid(`${field}.address.socket_address.protocol`, "only TCP listeners are supported");

  let tlsInspector = false;
  let httpInspector = false;
  let originalDst = false;
  optObjects(json, "listener_filters", field).forEach((f, i) => {
    const kind = listenerFilterKind(f, `${field}.listener_filters[${i}]`);
    if (kind === TLS_INSPECTOR) tlsInspector = true;
    else if (kind === HTTP_INSPECTOR) httpInspector = true;
    else {
      requireOriginalDst(`${field}.listener_filters[${i}]`);
      originalDst = true;
    }
  });

  const chains = optObjects(json, "filter_chains", field).map((c, i) => compileChain(c, `${field}.filter_chains[${i}]`, ctx));
  const dflt = optObject(json, "default_filter_chain", field);
  const defaultChain = dflt ? compileChain(dflt, `${field}.default_filter_chain`, ctx) : undefined;
  if (chains.length === 0 && !defaultChain) throw invalid(`${field}.filter_chains`, "needs at least one filter chain or a default_filter_chain");
  const seen = new Map<string, number>();
  optObjects(json, "filter_chains", field).forEach((c, i) => {
    const k = JSON.stringify(c.filter_chain_match ?? {});
    const prev = seen.get(k);
    if (prev !== undefined) throw invalid(`${field}.filter_chains[${i}].filter_chain_match`, `same matching rules as filter_chains[${prev}]`);
    seen.set(k, i);
  });
  const timeout = optDurationMs(json, "listener_filters_timeout", field) ?? 15_000;
  return {
    name, address, port,
    ipv4Compat: optBool(sa, "ipv4_compat", `${field}.address.socket_address`) ?? false,
    bindToPort: optBool(json, "bind_to_port", field) ?? true,
    useOriginalDst: optBool(json, "use_original_dst", field) ?? false,
    originalDst,
    inspectors: { tls: tlsInspector, http: httpInspector, timeoutMs: timeout, continueOnTimeout: optBool(json, "continue_on_listener_filters_timeout", field) ?? false },
    chains,
    ...(defaultChain ? { defaultChain } : {}),
    bufferLimitBytes: optInt(json, "per_connection_buffer_limit_bytes", field) ?? DEFAULT_BUFFER_LIMIT,
    drainType: oneOfEnum(optString(json, "drain_type", field), ["DEFAULT", "MODIFY_ONLY"] as const, "DEFAULT", `${field}.drain_type`),
    json,
  };
}

export function allChains(l: CompiledListener): CompiledChain[] {
  return l.defaultChain ? [...l.chains, l.defaultChain] : [...l.chains];
}
