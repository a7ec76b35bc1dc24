// Crash-loop back-off as kubelet's, shorter for a local mesh: 1 s, 2 s, 4 s … capped at 30 s,
// back to the start once a container has run cleanly for `resetAfterMs`.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

/** The delay before restart number `attempt` (1-based, counted since the last reset). */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(policy.initialMs * 2 ** exp, policy.maxMs);
}
