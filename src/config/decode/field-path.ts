// Field paths: the segments zod and YAML walking use, and their rendered form "spec.http[0].route[1].weight".

export type PathSegment = string | number;

const identifier = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function renderPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (identifier.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Inverse of renderPath, tolerant of malformed input (stops at the first thing it cannot read). */
export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      i++;
      continue;
    }
    if (c === "[") {
      const close = findClose(path, i);
      if (close < 0) break;
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else out.push(unquote(inner));
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}

function findClose(path: string, open: number): number {
  if (path[open + 1] !== '"') return path.indexOf("]", open);
  for (let j = open + 2; j < path.length; j++) {
    if (path[j] === "\\") j++;
    else if (path[j] === '"') return path[j + 1] === "]" ? j + 1 : -1;
  }
  return -1;
}

function unquote(s: string): string {
  if (!s.startsWith('"')) return s;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === "string" ? v : s;
  } catch {
    return s;
  }
}

/** Appends one segment to a rendered path ("spec.http" + 0 → "spec.http[0]"). */
export function joinPath(base: string, segment: PathSegment): string {
  if (typeof segment === "number") return `${base}[${segment}]`;
  if (identifier.test(segment)) return base === "" ? segment : `${base}.${segment}`;
  return `${base}[${JSON.stringify(segment)}]`;
}
