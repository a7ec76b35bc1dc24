// A generic ADS server on @grpc/grpc-js: SotW and delta streams, a registry of connected proxies,
// ACK/NACK tracking per proxy and type, and push() in Envoy's order (CDS, EDS, LDS, RDS, SDS).
import * as grpc from "@grpc/grpc-js";
import { ADS_SERVICE_DEFINITION, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse } from "../api/envoy/discovery.js";
import { XDS_PUSH_ORDER } from "../api/envoy/type-urls.js";
import { MizzenError, errorMessage } from "../errors.js";
import { DeltaStream } from "./delta-stream.js";
import { SnapshotCache, type ProxyInfo, type ResourceGenerator } from "./source.js";
import { SotwStream } from "./sotw-stream.js";
import type { AdsStreamBase, StreamHost } from "./stream-base.js";
import type { TypeTrackingSnapshot } from "./tracking.js";

export interface AdsServerOptions {
  /** Where resources come from: a snapshot cache (pushes on set) or a generator callback. */
  readonly source: SnapshotCache | ResourceGenerator;
  readonly log?: (message: string) => void;
}

/** One connected stream, for the registry and proxy-status. */
export interface ConnectionStatus {
  readonly streamId: number;
  readonly protocol: "SotW" | "delta";
  readonly proxyId: string;
  readonly cluster: string;
  readonly metadata: unknown;
  readonly connectedAt: string;
  /** Per type URL. */
  readonly types: Record<string, TypeTrackingSnapshot>;
}

export class AdsServer {
  private readonly streams = new Set<AdsStreamBase>();
  private readonly generator: ResourceGenerator;
  private readonly host: StreamHost;
  private grpcServer: grpc.Server | undefined;

  constructor(options: AdsServerOptions) {
    const log = options.log ?? ((): void => undefined);
    if (options.source instanceof SnapshotCache) {
      this.generator = options.source.generator;
      options.source.onChange = (ids): void => void this.push(ids);
    } else {
      this.generator = options.source;
    }
    this.host = {
      generator: this.generator,
      onIdentified: (s) => log(`ADS ${s.protocol} stream ${s.id} from ${s.proxy?.id ?? "?"}`),
      onClosed: (s) => this.streams.delete(s),
      log,
    };
  }

  /** Registers the AggregatedDiscoveryService on an existing gRPC server (shared with the CA etc.). */
  addTo(server: grpc.Server): void {
    server.addService(ADS_SERVICE_DEFINITION, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
        this.streams.add(new SotwStream(this.host, call));
      },
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => {
        this.streams.add(new DeltaStream(this.host, call));
      },
    });
  }

  /** Starts an own gRPC server on host:port (port 0 picks one); returns the bound port. */
  async listen(address: string, credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    if (this.grpcServer) throw new MizzenError("MIZZEN_ERR_XDS_SERVER", "ADS server already listening");
    const server = new grpc.Server();
    this.addTo(server);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, credentials, (err, p) => (err ? reject(new MizzenError("MIZZEN_ERR_XDS_SERVER", `cannot listen on ${address}: ${errorMessage(err)}`, { cause: err })) : resolve(p)));
    });
    this.grpcServer = server;
    return port;
  }

  /**
   * Sends what changed to the given proxies (all when omitted) for the given types (all),
   * in Envoy's order. Resolves once the responses are written.
   */
  async push(proxyIds?: readonly string[], types?: readonly string[]): Promise<void> {
    const ids = proxyIds ? new Set(proxyIds) : undefined;
    const wanted = types ? new Set(types) : undefined;
    const ordered = [...XDS_PUSH_ORDER, ...[...(wanted ?? [])].filter((t) => !XDS_PUSH_ORDER.includes(t))].filter((t) => !wanted || wanted.has(t));
    const work: Promise<void>[] = [];
    for (const s of this.streams) {
      if (ids && !(s.proxy && ids.has(s.proxy.id))) continue;
      const subscribed = new Set(s.subscribedTypes());
      const extra = wanted ? [] : [...subscribed].filter((t) => !XDS_PUSH_ORDER.includes(t));
      work.push(s.push([...ordered, ...extra]));
    }
    await Promise.all(work);
  }

  /** Connected proxies with their per-type sync state (SYNCED / NOT SENT / STALE, last NACK). */
  connections(): ConnectionStatus[] {
    return [...this.streams].map((s) => ({
      streamId: s.id,
      protocol: s.protocol,
      proxyId: s.proxy?.id ?? "",
      cluster: s.proxy?.cluster ?? "",
      metadata: s.proxy?.node.metadata,
      connectedAt: s.connectedAt.toISOString(),
      types: s.status(),
    }));
  }

  proxies(): ProxyInfo[] {
    return [...this.streams].flatMap((s) => (s.proxy ? [s.proxy] : []));
  }

  /** Waits until every stream has written what it decided to send. */
  async settled(): Promise<void> {
    await Promise.all([...this.streams].map((s) => s.settled()));
  }

  /** Stops the own server (if listen() started one): streams are cancelled, not drained. */
  async close(): Promise<void> {
    const server = this.grpcServer;
    this.grpcServer = undefined;
    for (const s of this.streams) s.close();
    this.streams.clear();
    // Bidirectional ADS streams never end on their own, so a graceful shutdown would wait forever.
    server?.forceShutdown();
    await Promise.resolve();
  }
}
