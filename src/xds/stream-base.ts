// What SotW and delta ADS streams share: the proxy's identity from its first request, a serial
// work queue (responses leave in the order they were decided), per-type tracking, nonces.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { toEnvoyJson } from "../api/envoy/to-envoy-json.js";
import { errorMessage } from "../errors.js";
import type { ProxyInfo, ResourceGenerator, Subscription } from "./source.js";
import { TypeTracking, type TypeTrackingSnapshot } from "./tracking.js";
import type { XdsResource } from "./resource.js";

export interface StreamHost {
  readonly generator: ResourceGenerator;
  onIdentified(stream: AdsStreamBase): void;
  onClosed(stream: AdsStreamBase): void;
  log(message: string): void;
}

let nextStreamId = 1;

export abstract class AdsStreamBase {
  readonly id = nextStreamId++;
  readonly connectedAt = new Date();
  abstract readonly protocol: "SotW" | "delta";
  proxy: ProxyInfo | undefined;
  protected readonly tracking = new Map<string, TypeTracking>();
  private queue: Promise<void> = Promise.resolve();
  private nonceCounter = 0;
  protected closed = false;

  constructor(protected readonly host: StreamHost) {}

  /** Types this stream has asked for, for push(). */
  abstract subscribedTypes(): string[];
  /** Recomputes the type's resources and sends what changed (nothing when nothing did, unless forced). */
  protected abstract refresh(typeUrl: string, force: boolean): Promise<void>;

  protected identify(node: unknown): void {
    if (this.proxy || node === null || node === undefined) return;
    let json: Record<string, unknown> = {};
    try {
      json = toEnvoyJson("envoy.config.core.v3.Node", node as never);
    } catch (e) {
      this.host.log(`stream ${this.id}: undecodable node: ${errorMessage(e)}`);
    }
    this.proxy = { id: String(json.id ?? ""), cluster: String(json.cluster ?? ""), node: json };
    this.host.onIdentified(this);
  }

  protected track(typeUrl: string): TypeTracking {
    let t = this.tracking.get(typeUrl);
    if (!t) {
      t = new TypeTracking();
      this.tracking.set(typeUrl, t);
    }
    return t;
  }

  protected newNonce(): string {
    this.nonceCounter += 1;
    return `${this.id}-${this.nonceCounter}`;
  }

  protected async generate(typeUrl: string, sub: Subscription): Promise<readonly XdsResource[]> {
    const proxy = this.proxy ?? { id: "", cluster: "", node: {} };
    return this.host.generator(proxy, typeUrl, sub);
  }

  /** Feeds the call's requests to `onRequest` one at a time and closes this stream with the call. */
  protected bindCall<Req>(call: ServerDuplexStream<Req, unknown>, onRequest: (req: Req) => Promise<void>): void {
    call.on("data", (req: Req) => void this.enqueue(() => onRequest(req)));
    call.on("end", () => {
      this.close();
      call.end();
    });
    call.on("error", () => this.close());
    call.on("close", () => this.close());
  }

  /** Runs work after everything queued before it; failures are logged, never thrown at gRPC. */
  protected enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.closed) return;
      try {
        await work();
      } catch (e) {
        this.host.log(`stream ${this.id} (${this.proxy?.id ?? "?"}): ${errorMessage(e)}`);
      }
    });
    return this.queue;
  }

  /** Queues a refresh of each given type that is subscribed, in the given (push) order. */
  push(types: readonly string[]): Promise<void> {
    const subscribed = new Set(this.subscribedTypes());
    for (const t of types) if (subscribed.has(t)) void this.enqueue(() => this.refresh(t, false));
    return this.queue;
  }

  status(): Record<string, TypeTrackingSnapshot> {
    const out: Record<string, TypeTrackingSnapshot> = {};
    for (const [typeUrl, t] of this.tracking) out[typeUrl] = t.snapshot();
    return out;
  }

  /** Idle when every queued response has been sent (for tests and graceful pushes). */
  settled(): Promise<void> {
    return this.queue;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.onClosed(this);
  }
}
