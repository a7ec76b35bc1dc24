// Analysis messages as istioctl prints them: level, IST code, origin (resource and file:line), text.
import type { Resource } from "../resource.js";

export type Level = "Error" | "Warning" | "Info";

export const levelRank: Record<Level, number> = { Info: 0, Warning: 1, Error: 2 };

export function parseLevel(s: string): Level | undefined {
  const l = s.toLowerCase();
  if (l === "error") return "Error";
  if (l === "warning" || l === "warn") return "Warning";
  if (l === "info") return "Info";
  return undefined;
}

export interface MessageType {
  code: string;
  name: string;
  level: Level;
}

export interface AnalysisMessage {
  type: MessageType;
  /** The message text, the template already filled in. */
  text: string;
  /** The resource the message blames, when there is one. */
  resource?: Resource;
  /** A more precise 1-based line than the resource's document start, when known. */
  line?: number;
}

/** `VirtualService default/reviews`, Istio's friendly name of a resource. */
export function originName(r: Resource): string {
  const ns = r.metadata.namespace;
  return ns ? `${r.kind} ${ns}/${r.metadata.name}` : `${r.kind} ${r.metadata.name}`;
}

/** `bookinfo.yaml:12`, or undefined when the resource did not come from a file. */
export function originReference(m: AnalysisMessage): string | undefined {
  const src = m.resource?.source;
  if (!src) return undefined;
  return `${src.file}:${m.line ?? src.line}`;
}

/** `Error [IST0101] (VirtualService default/reviews bookinfo.yaml:12) Referenced host not found: "reviews2"` */
export function renderMessage(m: AnalysisMessage): string {
  let origin = "";
  if (m.resource) {
    const ref = originReference(m);
    origin = ` (${originName(m.resource)}${ref ? " " + ref : ""})`;
  }
  return `${m.type.level} [${m.type.code}]${origin} ${m.text}`;
}

export const DOCS_BASE = "https://istio.io/latest/docs/reference/config/analysis";

/** The JSON/YAML shape istioctl prints per message (its keys in Go's sorted map order). */
export function structuredMessage(m: AnalysisMessage): Record<string, string> {
  const out: Record<string, string> = {
    code: m.type.code,
    documentationUrl: `${DOCS_BASE}/${m.type.code.toLowerCase()}/?ref=istioctl-analyze`,
    level: m.type.level,
    message: m.text,
  };
  if (m.resource) {
    out.origin = originName(m.resource);
    const ref = originReference(m);
    if (ref) out.reference = ref;
  }
  return out;
}

/** Go's %q for a string: double-quoted with escapes (JSON's escaping is the same for printable text). */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %v for a slice: `[a b c]`. */
export function goList(items: readonly (string | number)[]): string {
  return `[${items.join(" ")}]`;
}

/** Sorted by origin then code then text, so output is stable. */
export function compareMessages(a: AnalysisMessage, b: AnalysisMessage): number {
  const oa = a.resource ? originName(a.resource) : "";
  const ob = b.resource ? originName(b.resource) : "";
  if (oa !== ob) return oa < ob ? -1 : 1;
  if (a.type.code !== b.type.code) return a.type.code < b.type.code ? -1 : 1;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}
