// Node's timers hold at most 2^31 - 1 ms (about 24.8 days); a longer delay triggers a warning and
// fires after 1 ms. Envoy durations may be longer (an idle timeout of a year, say), so every
// duration the proxy reads from configuration is capped here: such a timeout then fires after
// 24.8 days instead of at once.
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function timerMs(ms: number): number {
  return ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms;
}
