// A problem found in Envoy JSON or a decoded resource, located by its field path.

export type FieldPath = readonly (string | number)[];

export interface FieldProblem {
  readonly path: FieldPath;
  readonly message: string;
}

/** ["static_resources", "clusters", 0, "name"] → "static_resources.clusters[0].name". */
export function formatFieldPath(path: FieldPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_@]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === "" ? "(root)" : out;
}

export function formatProblem(p: FieldProblem): string {
  return `${formatFieldPath(p.path)}: ${p.message}`;
}
