// per_connection_buffer_limit_bytes (listener for client connections, cluster for upstream ones)
// as Envoy's soft buffer limit: the socket's write watermark, so write() returns false once more
// than the limit is queued and the relay stops reading the other side until 'drain' (Envoy's high
// watermark; Node's 'drain', when the queue is empty, is the low one). Set once per connection.
import type { Socket } from "node:net";

/** Envoy's default per_connection_buffer_limit_bytes. */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

/** Sets the socket's write watermark to `limitBytes` (absent or 0: Node's default stays). */
export function setWriteWatermark(socket: Socket, limitBytes: number | undefined): void {
  if (limitBytes === undefined || limitBytes <= 0) return;
  // Node 20 has no per-socket setter (net.Server's highWaterMark option sets every socket of a
  // server alike); write() compares the queued bytes with this field of the writable state.
  const state = (socket as unknown as { _writableState?: { highWaterMark?: unknown } })._writableState;
  if (state !== undefined && typeof state.highWaterMark === "number") state.highWaterMark = limitBytes;
}
