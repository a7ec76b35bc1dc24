// Open-loop load generator: sends GETs at a fixed rate over a few keep-alive connections and
// measures latency from each request's scheduled send time (no coordinated omission).
// Usage: node dist/bench/fixed-rate-load.js <port> <rate/s> <seconds> ; prints JSON.
import { connect, type Socket } from "node:net";

const port = Number(process.argv[2]);
const rate = Number(process.argv[3] ?? 1000);
const seconds = Number(process.argv[4] ?? 3);
const CONNS = 8;
const REQ = Buffer.from("GET / HTTP/1.1\r\nhost: bench\r\n\r\n", "latin1");

interface Conn { s: Socket; queue: number[]; buf: Buffer | null; need: number }

const latencies: number[] = [];
let errors = 0;

function onData(c: Conn, d: Buffer): void {
  c.buf = c.buf === null ? d : Buffer.concat([c.buf, d]);
  while (c.buf !== null) {
    if (c.need === 0) {
      const end = c.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = c.buf.toString("latin1", 0, end).toLowerCase();
      const m = /content-length: *(\d+)/.exec(head);
      c.need = end + 4 + Number(m?.[1] ?? 0);
    }
    if (c.buf.length < c.need) return;
    c.buf = c.buf.length === c.need ? null : c.buf.subarray(c.need);
    c.need = 0;
    const t0 = c.queue.shift();
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  }
}

async function main(): Promise<void> {
  const conns: Conn[] = await Promise.all(Array.from({ length: CONNS }, () => new Promise<Conn>((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(c));
    const c: Conn = { s, queue: [], buf: null, need: 0 };
    s.setNoDelay(true);
    s.on("data", (d: Buffer) => onData(c, d));
    s.on("error", (e) => { errors++; reject(e); });
  })));
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      while (sent < due) {
        const c = conns[sent % CONNS] as Conn;
        c.queue.push(start + sent * interval);
        c.s.write(REQ);
        sent++;
      }
      if (sent >= total) { resolve(); return; }
      // Timers fire at millisecond granularity, which put up to 1 ms of the client's own lateness
      // into every latency (the p50 of a direct connection read ~0.85 ms). Within 2 ms of the next
      // send the client polls its event loop instead (setImmediate: I/O is still handled every
      // turn), so sends leave on time and responses are seen as they land. It keeps its core busy;
      // the bench pins it apart from the servers.
      const wait = start + sent * interval - performance.now();
      if (wait > 2) setTimeout(tick, wait - 1);
      else setImmediate(tick);
    };
    tick();
  });
  const deadline = performance.now() + 5000;
  while (latencies.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (const c of conns) c.s.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  process.stdout.write(`${JSON.stringify({ sent: total, received: latencies.length, errors, p50: q(0.5), p99: q(0.99) })}\n`);
}

main().catch((e: unknown) => { process.stderr.write(`${String(e)}\n`); process.exit(1); });
