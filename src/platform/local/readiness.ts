// HTTP readiness probes: GET the URL, ready on 200, with a short timeout.
import http from "node:http";

export function probeHttp(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const req = http.get({ host: target.hostname, port: Number(target.port || 80), path: target.pathname + target.search, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}
