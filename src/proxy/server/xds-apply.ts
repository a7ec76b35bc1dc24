// Wires the ADS client (bootstrap dynamic_resources.ads_config) to the proxy's managers: each
// resource is compiled alone; failures are returned so the client NACKs with the compile error,
// and the names of dependent resources (EDS, RDS, SDS) are subscribed as they appear.
import * as grpc from "@grpc/grpc-js";
import { CDS_TYPE_URL, EDS_TYPE_URL, LDS_TYPE_URL, RDS_TYPE_URL, SDS_TYPE_URL } from "../../api/envoy/type-urls.js";
import { errorMessage } from "../../errors.js";
import type { EnvoyJson } from "../contracts.js";
import { AdsClient, type DecodedResource, type ResourceError } from "../xds/ads-client.js";
import { adsTargetOf } from "../xds/bootstrap-checks.js";
import { isObject } from "../listener/envoy-fields.js";
import { UPSTREAM_TLS_TYPE, buildUpstreamTls } from "../tls/upstream.js";
import { parseSubjectAltNames } from "../tls/validation.js";
import { logger } from "./logger.js";
import { loadExtensionsFor } from "./extension-loader.js";
import type { ProxyServer } from "./proxy-server.js";
import { edsNames, rdsNames, sdsNames } from "./resource-names.js";

export interface AdsHandle {
  readonly client: AdsClient;
  stop(): void;
}

/** A non-Envoy resource type the proxy subscribes to on its ADS stream (Istio's NDS), decoded and applied by its owner. */
export interface XdsExtension {
  decode(value: Uint8Array): EnvoyJson;
  apply(resources: DecodedResource[], removed: string[]): ResourceError[] | Promise<ResourceError[]>;
}

type Applier = (p: ProxyServer, r: DecodedResource) => void | Promise<unknown>;

const APPLY: Record<string, { kind: "cluster" | "listener" | "route" | "secret" | null; apply: Applier; remove: (p: ProxyServer, name: string) => unknown }> = {
  [CDS_TYPE_URL]: { kind: "cluster", apply: (p, r) => { p.clusters.set(r.resource); }, remove: (p, n) => p.clusters.remove(n) },
  [EDS_TYPE_URL]: { kind: null, apply: (p, r) => { p.clusters.setLoadAssignment(r.resource); }, remove: (p, n) => p.clusters.removeLoadAssignment(n) },
  [LDS_TYPE_URL]: { kind: "listener", apply: async (p, r) => { await loadExtensionsFor(r.resource); await p.listeners.apply(r.resource, r.version); }, remove: (p, n) => p.listeners.remove(n) },
  [RDS_TYPE_URL]: { kind: "route", apply: (p, r) => { p.routes.set(r.name, r.resource); }, remove: (p, n) => p.routes.delete(n) },
  [SDS_TYPE_URL]: { kind: "secret", apply: (p, r) => { p.secrets.set(r.resource, r.version); }, remove: (p, n) => p.secrets.remove(n) },
};

export function startAds(p: ProxyServer, onInitialized: () => void): AdsHandle | undefined {
  const target = adsTargetOf(p.options.bootstrap);
  if (!target) return undefined;
  const dynamicClusters = new Map<string, EnvoyJson>();
  const dynamicListeners = new Map<string, EnvoyJson>();
  const initialTypes = new Set([CDS_TYPE_URL, LDS_TYPE_URL]);
  let client: AdsClient | undefined = undefined;
  const resubscribe = (): void => {
    if (!client) return;
    const staticRes = (p.options.bootstrap.static_resources ?? {}) as { listeners?: EnvoyJson[]; clusters?: EnvoyJson[] };
    const listeners = [...(staticRes.listeners ?? []), ...dynamicListeners.values()];
    const clusters = [...(staticRes.clusters ?? []), ...dynamicClusters.values()];
    client.setResourceNames(EDS_TYPE_URL, edsNames(clusters));
    client.setResourceNames(RDS_TYPE_URL, rdsNames(listeners));
    client.setResourceNames(SDS_TYPE_URL, sdsNames([...listeners, ...clusters]));
  };
  const applier = async (typeUrl: string, resources: DecodedResource[], removed: string[]): Promise<ResourceError[]> => {
    const extension = p.options.xdsExtensions?.[typeUrl];
    if (extension) return extension.apply(resources, removed);
    const how = APPLY[typeUrl];
    if (!how) return resources.map((r) => ({ name: r.name, error: `unsupported type ${typeUrl}` }));
    const errors: ResourceError[] = [];
    for (const r of resources) {
      try {
        await how.apply(p, r);
        if (how.kind) p.dump.accepted(how.kind, r.name, r.resource, r.version, true);
        if (typeUrl === CDS_TYPE_URL) dynamicClusters.set(r.name, r.resource);
        if (typeUrl === LDS_TYPE_URL) dynamicListeners.set(r.name, r.resource);
      } catch (e) {
        const error = errorMessage(e);
        errors.push({ name: r.name, error });
        if (how.kind) p.dump.rejected(how.kind, r.name, r.resource, error);
        logger.warn(`xds: rejected ${typeUrl.split(".").pop() ?? typeUrl} ${r.name}: ${error}`);
      }
    }
    for (const name of removed) {
      try {
        await how.remove(p, name);
      } catch (e) {
        logger.warn(`xds: removing ${name}: ${errorMessage(e)}`);
      }
      if (how.kind) p.dump.removed(how.kind, name);
      if (typeUrl === CDS_TYPE_URL) dynamicClusters.delete(name);
      if (typeUrl === LDS_TYPE_URL) dynamicListeners.delete(name);
    }
    if (typeUrl === CDS_TYPE_URL || typeUrl === LDS_TYPE_URL) resubscribe();
    if (initialTypes.delete(typeUrl) && initialTypes.size === 0) onInitialized();
    return errors;
  };
  const credentials = adsCredentials(p, target.clusterName);
  client = new AdsClient({
    address: target.address, node: p.node, delta: target.delta, applier, log: (m) => logger.debug(`xds: ${m}`),
    extraTypes: Object.fromEntries(Object.entries(p.options.xdsExtensions ?? {}).map(([t, x]) => [t, (v: Uint8Array) => x.decode(v)])),
    ...(credentials ? { credentials } : {}),
  });
  resubscribe();
  client.start();
  logger.info(`xds: ADS to ${target.address} (${target.delta ? "delta" : "state of the world"}${credentials ? ", TLS" : ""})`);
  const c = client;
  return { client: c, stop: () => c.stop() };
}

/**
 * TLS for the ADS channel from the xDS cluster's UpstreamTlsContext (e.g. istiod on 15012), with
 * the same secure naming as data-plane clusters. Undefined = plaintext (no transport_socket).
 */
function adsCredentials(p: ProxyServer, clusterName: string): grpc.ChannelCredentials | undefined {
  const st = isObject(p.options.bootstrap.static_resources) ? p.options.bootstrap.static_resources : {};
  const clusters = Array.isArray(st.clusters) ? st.clusters.filter(isObject) : [];
  const c = clusters.find((x) => x.name === clusterName);
  const ts = c && isObject(c.transport_socket) ? c.transport_socket : undefined;
  const tc = ts && isObject(ts.typed_config) ? ts.typed_config : undefined;
  if (!tc || tc["@type"] !== UPSTREAM_TLS_TYPE) return undefined;
  const tls = buildUpstreamTls(tc, p.secrets, `cluster "${clusterName}".transport_socket.typed_config`);
  const verify: grpc.VerifyOptions = {
    checkServerIdentity: (_host, cert) => {
      if (tls.matchUriSans.length === 0) return undefined;
      const uris = parseSubjectAltNames(cert.subjectaltname).filter((s) => s.type === "URI").map((s) => s.value);
      return uris.some((u) => tls.matchUriSans.includes(u)) ? undefined : new Error(`xDS server URI SANs [${uris.join(", ")}] do not match`);
    },
  };
  // With an identity agent, trust follows its bundle (root rotation); else the cluster's TLS context.
  if (p.options.adsChannelCredentials) return p.options.adsChannelCredentials(verify);
  const channel = grpc.credentials.createFromSecureContext(tls.context, verify);
  const call = p.options.adsCallCredentials;
  return call ? grpc.credentials.combineChannelCredentials(channel, call) : channel;
}
