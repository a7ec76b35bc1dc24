// A small HTTP client for telemetry tests: status, headers and body of one request.
import { request, type Agent, type IncomingHttpHeaders } from "node:http";

export interface GetResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function httpGet(port: number, path: string, headers: Record<string, string> = {}, agent?: Agent, method = "GET", body?: string): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers: { host: "reviews:9080", ...headers }, agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(body);
  });
}
