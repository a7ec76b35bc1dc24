// Clock reads for request records. Each read (performance.now(), Date.now()) is a call into Node
// costing about as much as parsing a short head, and a request used to make four. The wall-clock
// start time is derived from the monotonic one with an offset re-taken at most once a second, so
// a step of the system clock shows in start times within a second.
import { performance } from "node:perf_hooks"; // the global `performance` is a getter

let offsetMs = Date.now() - performance.now();
let offsetTakenAt = performance.now();

/** Monotonic milliseconds (performance.now()). */
export function monotonicNow(): number {
  return performance.now();
}

/** Epoch milliseconds for a monotonic reading taken just now. */
export function wallClockAt(mono: number): number {
  if (mono - offsetTakenAt > 1000 || mono < offsetTakenAt) {
    offsetMs = Date.now() - mono;
    offsetTakenAt = mono;
  }
  return offsetMs + mono;
}
