// Earliest-deadline-first scheduler (Envoy's weighted round robin): each entry's deadline moves
// by 1/weight when picked, so picks interleave smoothly in proportion to the weights.
// Binary heap over typed arrays: no allocation per pick.
export class EdfScheduler {
  private deadline = new Float64Array(0);
  private heap = new Int32Array(0);
  private size = 0;

  /** Starts a schedule for `weights.length` entries. */
  reset(weights: ArrayLike<number>): void {
    const n = weights.length;
    this.deadline = new Float64Array(n);
    this.heap = new Int32Array(n);
    this.size = n;
    for (let i = 0; i < n; i++) {
      this.deadline[i] = 1 / (weights[i] ?? 1);
      this.heap[i] = i;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The entry with the earliest deadline, or -1 when empty. */
  peek(): number {
    return this.size === 0 ? -1 : (this.heap[0] ?? -1);
  }

  /** Reschedules the earliest entry one period (1/weight) after its current deadline. */
  advance(weight: number): void {
    if (this.size === 0) return;
    const top = this.heap[0] ?? 0;
    this.deadline[top] = (this.deadline[top] ?? 0) + 1 / (weight > 0 ? weight : 1e-9);
    this.siftDown(0);
  }

  private less(a: number, b: number): boolean {
    const da = this.deadline[a] ?? 0;
    const db = this.deadline[b] ?? 0;
    return da < db || (da === db && a < b);
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = this.size;
    const item = heap[i] ?? 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.less(heap[right] ?? 0, heap[child] ?? 0)) child = right;
      const c = heap[child] ?? 0;
      if (!this.less(c, item)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = item;
  }
}
