// A duplex over a socket that first replays bytes already read from it, for consumers that read
// the socket's handle directly (node:http2) and would otherwise miss them.
import { Duplex } from "node:stream";
import type { Socket } from "node:net";

export class PrereadSocket extends Duplex {
  constructor(private readonly sock: Socket, preread: Buffer) {
    super();
    if (preread.length > 0) this.push(preread);
    sock.on("data", (d: Buffer) => { if (!this.push(d)) sock.pause(); });
    sock.on("end", () => this.push(null));
    sock.on("close", () => this.destroy());
    sock.on("error", (e) => this.destroy(e));
  }

  get remoteAddress(): string | undefined { return this.sock.remoteAddress; }
  get remotePort(): number | undefined { return this.sock.remotePort; }
  get localAddress(): string | undefined { return this.sock.localAddress; }
  get localPort(): number | undefined { return this.sock.localPort; }

  setTimeout(ms: number, cb?: () => void): this { this.sock.setTimeout(ms, cb); return this; }
  setNoDelay(v?: boolean): this { this.sock.setNoDelay(v); return this; }

  override _read(): void {
    this.sock.resume();
  }

  override _write(chunk: Buffer, enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.sock.write(chunk, enc, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.sock.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.sock.destroy();
    cb(err);
  }
}
