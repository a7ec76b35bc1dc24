// The duplex node:http2 serves a client connection through. It replays bytes already read from the
// socket (codec detection, listener inspectors), which node:http2 would otherwise miss, and it
// closes the connection where node:http2 leaves it open (checked on Node 20):
// - after the session answers a connection error with a GOAWAY (a frame too large, a RST_STREAM
//   on an idle stream …): nghttp2 then wants no more input, node:http2 stops reading and never
//   closes the socket, which would sit in CLOSE-WAIT until the idle timeout;
// - when the client half-closes: an HTTP/2 client that sends FIN sends no more frames (not even
//   WINDOW_UPDATE or SETTINGS ACK), so, as Envoy does, the connection closes.
import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { GoawayWatch } from "./goaway-watch.js";

export class PrereadSocket extends Duplex {
  private readonly goaway = new GoawayWatch();

  constructor(private readonly sock: Socket, preread: Buffer) {
    super();
    if (preread.length > 0) this.push(preread);
    sock.on("data", (d: Buffer) => { if (!this.push(d)) sock.pause(); });
    sock.on("end", () => this.peerEnded());
    sock.on("close", () => this.destroy());
    sock.on("error", (e) => this.destroy(e));
    // A listener inspector may have seen the client's FIN before this stage.
    if (sock.readableEnded) this.peerEnded();
  }

  get remoteAddress(): string | undefined { return this.sock.remoteAddress; }
  get remotePort(): number | undefined { return this.sock.remotePort; }
  get localAddress(): string | undefined { return this.sock.localAddress; }
  get localPort(): number | undefined { return this.sock.localPort; }

  setTimeout(ms: number, cb?: () => void): this { this.sock.setTimeout(ms, cb); return this; }
  setNoDelay(v?: boolean): this { this.sock.setNoDelay(v); return this; }

  private peerEnded(): void {
    this.push(null);
    this.sock.destroySoon(); // what is already written goes out first
  }

  override _read(): void {
    this.sock.resume();
  }

  override _write(chunk: Buffer, enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.goaway.sawErrorIn(chunk)) {
      this.sock.write(chunk, enc, cb);
      this.sock.destroySoon();
      return;
    }
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
