// Writes to a plaintext socket straight to its libuv handle when nothing is queued ahead, the
// way net.Socket's own write ends up doing, without the Writable stream around it: no WriteWrap
// object and no write callback or nextTick per write, which the heap profile showed as the largest
// per-request allocation (about 0.5 KB) and the CPU profile as a few percent. Node keeps the
// pieces in its internal `stream_wrap` binding, reachable through the (documentation-deprecated,
// still supported) `process.binding`; everything is feature-detected and any socket the fast path
// does not fit (TLS, HTTP/2 bridges, a queue already waiting, corked, ending) gets `socket.write`.
//
// Ordering holds because the fast path runs only when the stream has nothing buffered in JS: the
// bytes go to the handle, where libuv appends them behind anything it still has queued (its
// try-write refuses while its queue is not empty), and anything written later through the stream
// lands behind them in the same queue.
import { Socket } from "node:net";

interface WriteReq { handle: unknown; oncomplete: (status: number) => void; async: boolean; bytes: number; buffer: unknown }
interface StreamHandle {
  writeQueueSize: number;
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  writeLatin1String(req: WriteReq, data: string): number;
}
interface Binding { WriteWrap: new () => WriteReq; state: Int32Array; kLastWriteWasAsync: number }

let binding: Binding | null | undefined;

function loadBinding(): Binding | null {
  try {
    const b = (process as unknown as { binding(name: string): Record<string, unknown> }).binding("stream_wrap");
    const { WriteWrap, streamBaseState, kLastWriteWasAsync } = b;
    if (typeof WriteWrap === "function" && streamBaseState instanceof Int32Array && typeof kLastWriteWasAsync === "number") {
      return { WriteWrap: WriteWrap as Binding["WriteWrap"], state: streamBaseState, kLastWriteWasAsync };
    }
  } catch { /* a Node without it, or a permission model that forbids it */ }
  return null;
}

/** A request object for writes that complete at once is reused: only an async write keeps one. */
let spare: WriteReq | null = null;
const waitingForDrain = new WeakSet<Socket>();
/** Direct writes libuv has not finished, over all sockets: while 0, no handle holds bytes of ours. */
let queuedWrites = 0;

/**
 * The socket's handle, kept on the socket once looked up: `socket._handle` is a getter over a
 * symbol-keyed field that every socket in the process goes through, a megamorphic load (about
 * 200 instructions) on each write. A socket keeps its handle while it is writable.
 */
const kWriteHandle = Symbol("mizzen.directWriteHandle");

function fastHandle(socket: Socket): StreamHandle | null {
  if (socket.writableLength !== 0 || socket.writableCorked !== 0 || socket.connecting || !socket.writable) return null;
  const fields = socket as unknown as Record<symbol, StreamHandle | null | undefined>;
  const cached = fields[kWriteHandle];
  if (cached !== undefined) return cached;
  let handle = (socket as unknown as { _handle?: StreamHandle | null })._handle ?? null;
  if (handle !== null && (typeof handle.writeBuffer !== "function" || typeof handle.writeLatin1String !== "function" || "encrypted" in socket)) handle = null;
  fields[kWriteHandle] = handle;
  return handle;
}

/**
 * `socket.write(data)` (a string is latin1), by the direct path when it fits. Returns what
 * `socket.write` would: false once more than the socket's write watermark waits, and the
 * socket then emits 'drain' when the queue is empty. A direct write refreshes no `setTimeout`
 * timer (the proxy's sockets have none: their idle timers count activity themselves).
 */
export function writeDirect(socket: Socket, data: Uint8Array | string): boolean {
  if (binding === undefined) binding = loadBinding();
  const handle = binding === null ? null : fastHandle(socket);
  if (handle === null) return typeof data === "string" ? socket.write(data, "latin1") : socket.write(data);
  const b = binding as Binding;
  const req = spare ?? new b.WriteWrap();
  spare = null;
  req.handle = handle;
  req.async = false;
  req.bytes = 0;
  req.buffer = null;
  const err = typeof data === "string" ? handle.writeLatin1String(req, data) : handle.writeBuffer(req, data);
  // An error (EPIPE, ECONNRESET…): the stream's own write meets it again and reports it its way.
  if (err !== 0) return typeof data === "string" ? socket.write(data, "latin1") : socket.write(data);
  if (b.state[b.kLastWriteWasAsync] === 0) { spare = req; return true; }
  // Part of it waits in libuv's queue, which references the bytes: keep them alive until written.
  req.buffer = data;
  req.async = true;
  queuedWrites++;
  req.oncomplete = (status: number) => { queuedWrites--; onAsyncWriteDone(socket, handle, status); };
  if (handle.writeQueueSize < socket.writableHighWaterMark) return true;
  waitingForDrain.add(socket);
  return false;
}

function onAsyncWriteDone(socket: Socket, handle: StreamHandle, status: number): void {
  if (status < 0) { socket.destroy(new Error(`write failed (${status})`)); return; }
  if (handle.writeQueueSize === 0 && waitingForDrain.delete(socket)) socket.emit("drain");
}

/** Bytes written to `socket` but not yet handed to the kernel (by the stream or the direct path). */
export function pendingWriteBytes(socket: Socket): number {
  if (queuedWrites === 0) return socket.writableLength;
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle;
  return socket.writableLength + (typeof handle?.writeQueueSize === "number" ? handle.writeQueueSize : 0);
}
