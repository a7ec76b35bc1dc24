// Shared HTTP plumbing for the Bookinfo services: the headers they forward, a JSON GET that
// honours HTTP_PROXY (NONE capture: the sidecar is a forward proxy), and a server helper.
import http from "node:http";

/** Headers every Bookinfo service copies from its inbound request to its outbound calls (as Istio's). */
export const FORWARDED_HEADERS = [
  "x-request-id", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "b3",
  "traceparent", "tracestate", "x-ot-span-context", "x-cloud-trace-context", "grpc-trace-bin",
  "end-user", "user-agent", "cookie", "authorization", "jwt",
];

/**
 * The forwarded subset of a request's headers.
 * @param {import("node:http").IncomingHttpHeaders} headers
 * @returns {Record<string, string>}
 */
export function forwardHeaders(headers) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const name of FORWARDED_HEADERS) {
    const v = headers[name];
    if (typeof v === "string") out[name] = v;
  }
  return out;
}

/**
 * The proxy URL from HTTP_PROXY / http_proxy, unless NO_PROXY names the host.
 * @param {string} host
 * @returns {URL | undefined}
 */
function proxyFor(host) {
  const raw = process.env["HTTP_PROXY"] ?? process.env["http_proxy"];
  if (!raw) return undefined;
  const noProxy = (process.env["NO_PROXY"] ?? process.env["no_proxy"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (noProxy.some((n) => n === "*" || host === n || host.endsWith(n.startsWith(".") ? n : `.${n}`))) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/**
 * GET a URL with a timeout; with HTTP_PROXY set the absolute-form request goes to the proxy.
 * Resolves to { status, body } or { status: 0, error } on connection errors and timeouts.
 * @param {string} url
 * @param {{ headers?: Record<string, string>, timeoutMs: number, method?: string, body?: string }} opts
 * @returns {Promise<{ status: number, body: string, error?: string }>}
 */
export function request(url, opts) {
  const target = new URL(url);
  const proxy = proxyFor(target.hostname);
  const headers = { ...opts.headers, host: target.host };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const options = proxy
    ? { host: proxy.hostname, port: Number(proxy.port || 80), path: target.href, method: opts.method ?? "GET", headers }
    : { host: target.hostname, port: Number(target.port || 80), path: target.pathname + target.search, method: opts.method ?? "GET", headers };
  return new Promise((resolve) => {
    let done = false;
    /** @param {{ status: number, body: string, error?: string }} r */
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = http.request({ ...options, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (e) => finish({ status: 0, body: "", error: e.message }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, body: "", error: "timeout" });
    }, opts.timeoutMs);
    req.on("error", (e) => finish({ status: 0, body: "", error: e.message }));
    req.end(opts.body);
  });
}

/**
 * Parses JSON, undefined when it is not JSON.
 * @param {string} text
 * @returns {any}
 */
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Sends a JSON response.
 * @param {import("node:http").ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 */
export function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Reads a request body (bounded to 64 KiB).
 * @param {import("node:http").IncomingMessage} req
 * @returns {Promise<string>}
 */
export function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= 65536) chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}

/**
 * Starts a service: listens on HOST:PORT (defaults 0.0.0.0:9080), logs one line per request,
 * stops on SIGTERM/SIGINT. Handler errors become 500s, never a crash.
 * @param {string} name
 * @param {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, url: URL) => Promise<void> | void} handler
 */
export function serve(name, handler) {
  const port = Number(process.env["PORT"] ?? 9080);
  const host = process.env["HOST"] ?? "0.0.0.0";
  const server = http.createServer((req, res) => {
    let url;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      sendJson(res, 400, { error: "bad request target" });
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((e) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(e && e.message ? e.message : e) });
        else res.destroy();
      })
      .finally(() => console.log(`${new Date().toISOString()} ${name} ${req.method} ${req.url} ${res.statusCode}`));
  });
  server.on("clientError", (_e, socket) => socket.destroy());
  server.listen(port, host, () => {
    const a = server.address();
    console.log(`${name} listening on ${host}:${a && typeof a === "object" ? a.port : port}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  return server;
}

/**
 * A service address from env (`<NAME>_HOSTNAME`, `<NAME>_SERVICE_PORT`) or its Kubernetes name.
 * @param {string} name
 */
export function serviceUrl(name) {
  const upper = name.toUpperCase();
  const host = process.env[`${upper}_HOSTNAME`] ?? name;
  const port = process.env[`${upper}_SERVICE_PORT`] ?? "9080";
  return `http://${host}:${port}`;
}
