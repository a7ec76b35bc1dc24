// "Did you mean …?" for misspelled field and kind names.

export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length] ?? cap + 1;
}

function snakeToCamel(s: string): string {
  return s.replace(/[_-]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The closest candidate: case-insensitive equal, snake_case of a camelCase name, or within edit distance 2. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 200) return undefined;
  const lower = word.toLowerCase();
  const camel = snakeToCamel(word);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    let score: number;
    if (c.toLowerCase() === lower || c === camel || c.toLowerCase() === camel.toLowerCase()) score = 0;
    else score = editDistance(word, c, 2);
    if (score <= 2 && score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}
