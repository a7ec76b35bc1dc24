// The istio.metadata_exchange network filter for the TCP proxy: on connections whose mTLS
// negotiated ALPN "istio-peer-exchange" the TCP proxy writes this node's frame first and strips
// the peer's (src/proxy/tcp/peer-exchange.ts); this filter supplies the frame and decodes the
// peer's metadata, which the TCP metrics then carry as the other side's workload labels.
import { MizzenError } from "../../errors.js";
import type { EnvoyJson, NetworkFilter, NetworkFilterFactory, ConnectionInfo, ProxyServices } from "../../proxy/contracts.js";
import { exchangeFrame, peerExchanges, type PeerExchange } from "../../proxy/tcp/peer-exchange.js";
import { getProxyTelemetry, type ProxyTelemetry } from "../proxy-telemetry.js";
import { decodeExchangePayload, encodeExchangePayload } from "./exchange-payload.js";
import type { WorkloadMetadata } from "./workload-metadata.js";
import { UDPA_TYPED_STRUCT, XDS_TYPED_STRUCT, fromTypedStruct } from "../wiring/typed-struct-filter.js";

/** Istio's config type for the filter (name "istio.metadata_exchange"). */
export const METADATA_EXCHANGE_TYPE = "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange";
export const METADATA_EXCHANGE_NAME = "istio.metadata_exchange";

const frames = new WeakMap<ProxyTelemetry, Buffer>();
const NO_FRAME = Buffer.alloc(0);
/** Decoded peers by payload: a proxy sees few distinct peers. Dropped whole when full. */
const peers = new Map<string, WorkloadMetadata | null>();
const MAX_PEERS = 1024;

function frameFor(t: ProxyTelemetry): Buffer {
  let f = frames.get(t);
  if (f === undefined) frames.set(t, (f = exchangeFrame(encodeExchangePayload(t.node))));
  return f;
}

export class TcpPeerExchange implements PeerExchange {
  /** The peer's metadata once its frame was read; null when it sent none. */
  peer: WorkloadMetadata | null = null;

  constructor(readonly localFrame: Buffer) {}

  onPeerPayload(payload: Buffer | null): void {
    if (payload === null) return;
    const key = payload.toString("latin1");
    let md = peers.get(key);
    if (md === undefined) {
      md = decodeExchangePayload(payload);
      if (peers.size >= MAX_PEERS) peers.clear();
      peers.set(key, md);
    }
    this.peer = md;
  }
}

export class MetadataExchangeFilter implements NetworkFilter {
  constructor(private readonly telemetry: () => ProxyTelemetry | null = getProxyTelemetry) {}

  onConnection(conn: ConnectionInfo): void {
    // Without telemetry the peer's frame must still be stripped before the app sees it; we send none.
    const t = this.telemetry();
    peerExchanges.set(conn.socket, new TcpPeerExchange(t === null ? NO_FRAME : frameFor(t)));
  }

  drain(): void {
    // Holds no connections of its own.
  }
}

export const metadataExchangeFactory: NetworkFilterFactory = {
  typeUrl: METADATA_EXCHANGE_TYPE,
  // The config's only field, protocol, names the ALPN ("istio-peer-exchange"), which is fixed here.
  create(_typedConfig: EnvoyJson): NetworkFilter {
    return new MetadataExchangeFilter();
  },
};

/** Network filters the control plane wraps in a TypedStruct (Envoy's protos lack their types). */
const wrapped = new Map<string, NetworkFilterFactory>([[METADATA_EXCHANGE_TYPE, metadataExchangeFactory]]);

function typedStructNetworkFactory(typeUrl: string): NetworkFilterFactory {
  return {
    typeUrl,
    create(typedConfig: EnvoyJson, services: ProxyServices): NetworkFilter {
      const inner = fromTypedStruct(typedConfig, "typed_config");
      const f = wrapped.get(String(inner["@type"]));
      if (f === undefined) throw new MizzenError("MIZZEN_ERR_XDS_INVALID", `typed_config.type_url: unsupported network filter ${JSON.stringify(inner["@type"])}`);
      return f.create(inner, services);
    },
  };
}

/** For the proxy's network filter registry: the filter itself and its TypedStruct-wrapped form. */
export const telemetryNetworkFilterFactories: readonly NetworkFilterFactory[] = [
  metadataExchangeFactory, typedStructNetworkFactory(XDS_TYPED_STRUCT), typedStructNetworkFactory(UDPA_TYPED_STRUCT),
];
