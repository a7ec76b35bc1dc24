// The sidecar's DNS proxy fed by NDS (Istio's DNS capture): turned on by `--dns-proxy-port N` or
// node metadata DNS_CAPTURE="true" (+ DNS_PROXY_PORT, default 15053), as ISTIO_META_DNS_CAPTURE
// does. It subscribes to istio.networking.nds.v1.NameTable on the proxy's ADS stream and answers
// from the latest table on 127.0.0.1 (UDP and TCP); other names go to the host's resolver.
import { createDnsProxy, type DnsProxy, type DnsTableInput } from "../../../agent/dns/index.js";
import { NDS_TYPE_URL, decodeNameTable, type NameTable } from "../../../api/istio/nds.js";
import { errorMessage } from "../../../errors.js";
import type { EnvoyJson } from "../../contracts.js";
import type { DecodedResource, ResourceError } from "../../xds/index.js";
import type { XdsExtension } from "../xds-apply.js";
import { chooseUpstream, type UpstreamChoiceOptions } from "./upstream-choice.js";

export const DEFAULT_DNS_PROXY_PORT = 15053;

export interface DnsCaptureConfig {
  readonly port: number;
  /** The pod's namespace: short names resolve against it. */
  readonly namespace: string;
  readonly domain: string;
  readonly address: string;
}

/** DNS capture from the flag (wins) or node metadata; undefined when off, `{ error }` for a bad DNS_PROXY_PORT. */
export function dnsCaptureConfig(flagPort: number | undefined, node: { id?: unknown; metadata?: unknown }): DnsCaptureConfig | undefined | { error: string } {
  const md = (typeof node.metadata === "object" && node.metadata !== null ? node.metadata : {}) as Record<string, unknown>;
  let port = flagPort;
  if (port === undefined) {
    if (String(md["DNS_CAPTURE"] ?? "").toLowerCase() !== "true") return undefined;
    const raw = md["DNS_PROXY_PORT"];
    port = raw === undefined || raw === "" ? DEFAULT_DNS_PROXY_PORT : Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return { error: `node metadata DNS_PROXY_PORT must be 0..65535, got ${JSON.stringify(raw)}` };
  }
  const ns = md["NAMESPACE"];
  const podDotNs = typeof node.id === "string" ? node.id.split("~")[2] ?? "" : "";
  const namespace = typeof ns === "string" && ns !== "" ? ns : podDotNs.includes(".") ? podDotNs.slice(podDotNs.indexOf(".") + 1) : "default";
  const domain = typeof md["DNS_DOMAIN"] === "string" && md["DNS_DOMAIN"] !== "" ? (md["DNS_DOMAIN"] as string) : "cluster.local";
  return { port, namespace, domain, address: "127.0.0.1" };
}

/** The DNS proxy's table from a NameTable: every host with its addresses (short names follow from the FQDNs). */
export function dnsTableFromNameTable(t: NameTable, namespace: string, domain: string): DnsTableInput {
  const hosts: Record<string, string[]> = {};
  for (const [host, info] of Object.entries(t.table)) if (info.ips.length > 0) hosts[host] = info.ips;
  return { namespace, domain, hosts };
}

export interface DnsCapture {
  readonly proxy: DnsProxy;
  /** Register under NDS_TYPE_URL in the proxy server's xdsExtensions. */
  readonly xdsExtensions: Readonly<Record<string, XdsExtension>>;
  close(): Promise<void>;
}

/** Starts the DNS proxy (empty table until the first NDS response) and returns its NDS hook. */
export async function startDnsCapture(cfg: DnsCaptureConfig, log: (message: string) => void, upstreamOpts?: Partial<UpstreamChoiceOptions>): Promise<DnsCapture> {
  const upstream = await chooseUpstream({ ...upstreamOpts, log });
  const proxy = await createDnsProxy({ table: { namespace: cfg.namespace, domain: cfg.domain, hosts: {} }, upstream, port: cfg.port, address: cfg.address });
  log(`dns: DNS proxy on ${cfg.address}:${proxy.port} (UDP+TCP) for namespace ${cfg.namespace}; upstream ${upstream ? `${upstream.address}:${upstream.port}` : "none"}`);
  const nds: XdsExtension = {
    decode: (value) => decodeNameTable(value) as unknown as EnvoyJson,
    apply(resources: DecodedResource[], removed: string[]): ResourceError[] {
      const latest = resources[resources.length - 1];
      if (!latest) {
        if (removed.length > 0) proxy.update({ namespace: cfg.namespace, domain: cfg.domain, hosts: {} });
        return [];
      }
      try {
        proxy.update(dnsTableFromNameTable(latest.resource as unknown as NameTable, cfg.namespace, cfg.domain));
        return [];
      } catch (e) {
        return [{ name: latest.name, error: errorMessage(e) }];
      }
    },
  };
  return { proxy, xdsExtensions: { [NDS_TYPE_URL]: nds }, close: () => proxy.close() };
}
