// A finished span in Zipkin v2's shape (the in-memory store and both exporters read it).

export interface Span {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind: "CLIENT" | "SERVER";
  /** Epoch microseconds. */
  timestamp: number;
  /** Microseconds. */
  duration: number;
  localEndpoint: { serviceName: string; ipv4?: string };
  remoteEndpoint?: { ipv4?: string; port?: number };
  tags: Record<string, string>;
}

export interface SpanSink {
  add(span: Span): void;
}

function endpointIp(addr: string): { ipv4?: string; port?: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(addr);
  if (m === null) return undefined;
  return m[2] === undefined ? { ipv4: m[1] as string } : { ipv4: m[1] as string, port: Number(m[2]) };
}

export { endpointIp };

/** OTLP/HTTP JSON (ExportTraceServiceRequest) for a batch of spans, grouped by service. */
export function otlpJson(spans: readonly Span[]): unknown {
  const byService = new Map<string, Span[]>();
  for (const s of spans) {
    const list = byService.get(s.localEndpoint.serviceName) ?? [];
    list.push(s);
    byService.set(s.localEndpoint.serviceName, list);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
      scopeSpans: [{
        scope: { name: "mizzen-proxy" },
        spans: list.map((s) => ({
          traceId: s.traceId,
          spanId: s.id,
          ...(s.parentId === undefined ? {} : { parentSpanId: s.parentId }),
          name: s.name,
          kind: s.kind === "SERVER" ? 2 : 3,
          startTimeUnixNano: `${BigInt(Math.round(s.timestamp)) * 1000n}`,
          endTimeUnixNano: `${BigInt(Math.round(s.timestamp + s.duration)) * 1000n}`,
          attributes: Object.entries(s.tags).map(([key, v]) => ({ key, value: { stringValue: v } })),
          status: { code: s.tags["error"] === "true" ? 2 : 0 },
        })),
      }],
    })),
  };
}
