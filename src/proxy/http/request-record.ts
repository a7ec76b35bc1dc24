// One record per HTTP request, filled on the path and handed to observers (access log, stats)
// when the request completes. Plain fields only: reading it costs nothing unless someone does.
import type { ResponseFlag } from "../contracts.js";
import type { HeaderList } from "./header-list.js";

export class HttpRequestRecord {
  /** Epoch milliseconds when the request head was parsed. */
  startTime = 0;
  /** Monotonic start (performance.now()) for the duration. */
  startMono = 0;
  durationMs = 0;
  method = "";
  authority = "";
  path = "";
  protocol = "HTTP/1.1";
  requestId = "";
  downstreamRemoteAddress = "";
  status = 0;
  /** Envoy response flags set on this request (e.g. ["UH"]). */
  flags: ResponseFlag[] = [];
  /** Short reason a locally generated response was made (Envoy's response code details). */
  details = "";
  routeName = "";
  virtualHost = "";
  cluster = "";
  /** "address:port" of the upstream host that served the last attempt. */
  upstreamHost = "";
  attempts = 0;
  bytesReceived = 0;
  bytesSent = 0;
  statPrefix = "";
  /** grpc-status of a gRPC response (trailers, trailers-only head or local reply); "" otherwise. */
  grpcStatus = "";
  /**
   * Set by a filter (istio.stats metadata exchange) to read and edit the upstream response head
   * before it is forwarded. HTTP/1.1 calls it only for a head with `x-envoy-peer-metadata` or
   * `x-envoy-peer-metadata-id` lines, the only ones it acts on.
   */
  responseHeadHook: ((headers: HeaderList, record: HttpRequestRecord) => void) | null = null;
  /** Set by a filter (istio.stats gRPC message counts) to see decoded body bytes as they pass. */
  bodyObserver: HttpBodyObserver | null = null;

  addFlag(f: ResponseFlag): void {
    if (!this.flags.includes(f)) this.flags.push(f);
  }

  /** Flags as Envoy prints them ("-" when none). */
  flagString(): string {
    return this.flags.length === 0 ? "-" : this.flags.join(",");
  }
}

/** Sees body chunks (without HTTP framing) as the exchange forwards them; must not keep or edit them. */
export interface HttpBodyObserver {
  onRequestData(chunk: Uint8Array): void;
  onResponseData(chunk: Uint8Array): void;
}

export type HttpRequestObserver = (record: HttpRequestRecord) => void;
