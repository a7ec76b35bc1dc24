// Istio's protocol selection: a port's protocol comes from `appProtocol`, else from its name
// (`<protocol>` or `<protocol>-<suffix>`); anything else is "UnsupportedProtocol", which Istio
// sniffs at run time (Mizzen's generators treat it as TCP, see pilot/listeners).

export type Protocol =
  | "HTTP"
  | "HTTP2"
  | "HTTP_PROXY"
  | "GRPC"
  | "GRPC-Web"
  | "HTTPS"
  | "TLS"
  | "TCP"
  | "Mongo"
  | "MySQL"
  | "Redis"
  | "Thrift"
  | "UDP"
  | "UnsupportedProtocol";

const byLowerName: Readonly<Record<string, Protocol>> = {
  http: "HTTP",
  http2: "HTTP2",
  http_proxy: "HTTP_PROXY",
  grpc: "GRPC",
  "grpc-web": "GRPC-Web",
  https: "HTTPS",
  tls: "TLS",
  tcp: "TCP",
  mongo: "Mongo",
  mysql: "MySQL",
  redis: "Redis",
  thrift: "Thrift",
  udp: "UDP",
};

/** Parses a protocol name as Istio does (case-insensitive); unknown → UnsupportedProtocol. */
export function parseProtocol(name: string | undefined): Protocol {
  if (name === undefined) return "UnsupportedProtocol";
  return byLowerName[name.toLowerCase()] ?? "UnsupportedProtocol";
}

/** Kubernetes appProtocol values Istio understands besides plain protocol names. */
const appProtocols: Readonly<Record<string, Protocol>> = {
  "kubernetes.io/h2c": "HTTP2",
  "kubernetes.io/ws": "HTTP",
  "kubernetes.io/wss": "HTTPS",
};

/**
 * The protocol of a Kubernetes Service port: UDP when the port says so, else appProtocol, else
 * the port name's prefix ("http-web" → HTTP, "grpc-web" → GRPC-Web, "tcp" → TCP).
 */
export function servicePortProtocol(port: { name?: string | undefined; protocol?: string | undefined; appProtocol?: string | undefined }): Protocol {
  if (port.protocol === "UDP") return "UDP";
  if (port.appProtocol) {
    const known = appProtocols[port.appProtocol] ?? parseProtocol(port.appProtocol);
    if (known !== "UnsupportedProtocol") return known;
  }
  const name = port.name ?? "";
  const whole = parseProtocol(name);
  if (whole !== "UnsupportedProtocol") return whole;
  const dash = name.indexOf("-");
  return dash > 0 ? parseProtocol(name.slice(0, dash)) : "UnsupportedProtocol";
}

/** Protocols the outbound side serves through the HTTP connection manager. */
export function isHttpProtocol(p: Protocol): boolean {
  return p === "HTTP" || p === "HTTP2" || p === "GRPC" || p === "GRPC-Web" || p === "HTTP_PROXY";
}

/** Protocols that speak HTTP/2 to the upstream. */
export function isHttp2Protocol(p: Protocol): boolean {
  return p === "HTTP2" || p === "GRPC";
}

/** Protocols carried as TLS where routing may look at SNI. */
export function isTlsProtocol(p: Protocol): boolean {
  return p === "HTTPS" || p === "TLS";
}
