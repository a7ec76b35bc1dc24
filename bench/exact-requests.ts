// Exactly `total` GET requests over `connections` keep-alive connections, each connection sending
// its next request when the previous response (Content-Length framed) is complete. For counting
// work per request, where a load generator's duration-based runs cannot give an exact count.
import { connect } from "node:net";

export function exactRequests(port: number, total: number, connections: number, timeoutMs = 300_000): Promise<void> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, "latin1");
  let left = total;
  return new Promise((resolve, reject) => {
    let open = connections;
    const timer = setTimeout(() => reject(new Error(`${left} of ${total} requests not sent after ${timeoutMs} ms`)), timeoutMs);
    for (let c = 0; c < connections; c++) {
      const s = connect(port, "127.0.0.1");
      let pending = "";
      const next = (): void => {
        if (left > 0) { left--; s.write(request); return; }
        s.end();
        if (--open === 0) { clearTimeout(timer); resolve(); }
      };
      s.on("connect", next);
      s.on("data", (d: Buffer) => {
        pending += d.toString("latin1");
        const headEnd = pending.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const m = /\r\ncontent-length: *(\d+)/i.exec(pending.slice(0, headEnd));
        if (m === null) { s.destroy(); clearTimeout(timer); reject(new Error("a response without content-length")); return; }
        const size = headEnd + 4 + Number(m[1]);
        if (pending.length < size) return;
        pending = pending.slice(size);
        next();
      });
      s.on("error", (e) => { clearTimeout(timer); reject(e); });
    }
  });
}
