// Reads a plaintext socket into buffers the caller owns, the way `net.connect`'s public `onread`
// option does for outgoing sockets: no ArrayBuffer per read and no stream machinery (push, 'data'
// event) on the request path. net.Server creates accepted sockets itself and takes no `onread`, so
// this sets the same per-socket fields Node's `onread` sets (found by their symbol descriptions)
// and points the handle at the buffer. The bench's one-hop CPU per request was 2–4 µs lower with
// it (of ~32).
//
// Then, for either kind of socket, the handle's read callback is replaced by a lean one. Node's
// generic callback looks up the socket's buffer fields on every read and hands the buffer back to
// C++, which re-derives its address and length each time; the lean one keeps the buffer in a
// closure, returns nothing while the buffer is unchanged (C++ then keeps reading into it), and
// passes end-of-stream and errors to Node's own callback. The read count comes from Node's
// internal `stream_wrap` state, as direct-write.ts reads its write state. Everything is
// feature-detected: when a Node version lacks a piece the caller keeps Node's way.
// A read refreshes no `socket.setTimeout` timer (Node's callback does): the proxy's connections
// keep their own idle clocks, which cost a number write per request instead of a timer move.
import { Buffer } from "node:buffer"; // the global `Buffer` is a getter: each use in hot code is a call
import type { Socket } from "node:net";

interface StreamHandle {
  reading?: boolean;
  useUserBuffer?: (buf: Uint8Array) => void;
  readStop?: () => number;
  onread?: (this: StreamHandle, arrayBuffer: unknown) => unknown;
}

type OnRead = (n: number, buf: Buffer) => boolean | void;

interface ReadState { state: Int32Array; kReadBytesOrError: number }

let readState: ReadState | null | undefined;

function loadReadState(): ReadState | null {
  try {
    const b = (process as unknown as { binding(name: string): Record<string, unknown> }).binding("stream_wrap");
    const { streamBaseState, kReadBytesOrError } = b;
    if (streamBaseState instanceof Int32Array && typeof kReadBytesOrError === "number") return { state: streamBaseState, kReadBytesOrError };
  } catch { /* a Node without it, or a permission model that forbids it */ }
  return null;
}

const symbols = new Map<string, symbol | null>();

function socketSymbol(s: Socket, description: string): symbol | null {
  let v = symbols.get(description);
  if (v === undefined) {
    v = Object.getOwnPropertySymbols(s).find((x) => x.description === description) ?? null;
    symbols.set(description, v);
  }
  return v;
}

/**
 * Switches `socket` to reading into `nextBuffer()` (asked again after every read); `onRead(n, buf)`
 * gets each read's byte count and the buffer it landed in (valid only during the call; returning
 * false pauses the socket). False when the socket cannot switch: TLS, bytes already buffered,
 * someone listening for 'data', or a Node without the fields.
 */
export function readIntoOwnBuffer(socket: Socket, nextBuffer: () => Buffer, onRead: OnRead): boolean {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (handle === undefined || handle === null || typeof handle.useUserBuffer !== "function" || typeof handle.readStop !== "function") return false;
  if (socket.readableLength > 0 || socket.listenerCount("data") > 0 || "encrypted" in socket) return false;
  const kBuffer = socketSymbol(socket, "kBuffer");
  const kBufferCb = socketSymbol(socket, "kBufferCb");
  const kBufferGen = socketSymbol(socket, "kBufferGen");
  if (kBuffer === null || kBufferCb === null || kBufferGen === null) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[kBuffer] !== null || fields[kBufferCb] !== null) return false; // already switched or not a plain socket
  if (handle.reading === true) { handle.readStop(); handle.reading = false; }
  const first = nextBuffer();
  fields[kBuffer] = first;
  fields[kBufferCb] = onRead;
  fields[kBufferGen] = nextBuffer;
  handle.useUserBuffer(first);
  leanReads(socket, handle, kBuffer, first, nextBuffer, onRead);
  // With the fields set, resume() starts the handle reading (net.Socket's own onread path).
  socket.resume();
  return true;
}

/**
 * For a socket made by `net.connect` with the `onread` option: the same lean read callback, with
 * the same `nextBuffer` and `onRead` the option was given. False when it cannot (Node keeps its
 * own callback, which serves the option just the same).
 */
export function readLean(socket: Socket, nextBuffer: () => Buffer, onRead: OnRead): boolean {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  const kBuffer = socketSymbol(socket, "kBuffer");
  if (handle === undefined || handle === null || kBuffer === null) return false;
  const current = (socket as unknown as Record<symbol, unknown>)[kBuffer];
  if (!Buffer.isBuffer(current)) return false;
  return leanReads(socket, handle, kBuffer, current, nextBuffer, onRead);
}

function leanReads(socket: Socket, handle: StreamHandle, kBuffer: symbol, first: Buffer, nextBuffer: () => Buffer, onRead: OnRead): boolean {
  if (readState === undefined) readState = loadReadState();
  const nodeOnread = handle.onread;
  if (readState === null || typeof nodeOnread !== "function" || typeof handle.readStop !== "function") return false;
  const { state, kReadBytesOrError } = readState;
  const fields = socket as unknown as Record<symbol, unknown>;
  let buffer = first;
  handle.onread = function leanOnread(this: StreamHandle, arrayBuffer: unknown): unknown {
    const n = state[kReadBytesOrError] as number;
    // End of stream, an error, or a socket already destroyed: Node's own handling.
    if (n <= 0 || socket.destroyed) return nodeOnread.call(this, arrayBuffer);
    const keepReading = onRead(n, buffer) !== false;
    const next = nextBuffer();
    let ret: Buffer | undefined;
    if (next !== buffer) { buffer = next; fields[kBuffer] = next; ret = next; }
    if (!keepReading) {
      this.reading = false;
      const err = (this.readStop as () => number)();
      if (err !== 0) socket.destroy(new Error(`read stop failed (${err})`));
    }
    return ret;
  };
  return true;
}
