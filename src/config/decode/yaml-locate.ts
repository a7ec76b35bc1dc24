// Finds the 1-based line of the YAML node at a field path, falling back to the nearest ancestor.
import { isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { PathSegment } from "./field-path.js";

export interface Locator {
  /** Line of the node at `path` (relative to the located object's root). */
  line(path: readonly PathSegment[]): number;
  /** Line where the located object starts. */
  readonly start: number;
}

function protoName(jsonName: string): string {
  return jsonName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function makeLocator(root: Node | null | undefined, counter: LineCounter, fallbackOffset: number): Locator {
  const lineAt = (offset: number): number => counter.linePos(offset).line;
  const start = lineAt(root?.range?.[0] ?? fallbackOffset);
  return {
    start,
    line(path) {
      let node: unknown = root;
      let offset = root?.range?.[0] ?? fallbackOffset;
      for (const seg of path) {
        if (isMap(node)) {
          const keyOf = (p: { key: unknown }): unknown => (isScalar(p.key) ? String(p.key.value) : p.key);
          // A field written by its proto name (max_path_tag_length) is reported by its JSON name.
          const pair = node.items.find((p) => keyOf(p) === String(seg)) ?? node.items.find((p) => keyOf(p) === protoName(String(seg)));
          if (!pair) break;
          const keyNode = pair.key as Node | null;
          offset = keyNode?.range?.[0] ?? offset;
          node = pair.value;
        } else if (isSeq(node) && typeof seg === "number") {
          const item = node.items[seg] as Node | undefined;
          if (!item) break;
          offset = item.range?.[0] ?? offset;
          node = item;
        } else {
          break;
        }
      }
      return lineAt(offset);
    },
  };
}
