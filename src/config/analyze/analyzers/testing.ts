// Helpers for analyzer unit tests: build resources in a line or two and run one analyzer.
import type { Resource } from "../../resource.js";
import type { Analyzer } from "../analyzer.js";
import { AnalysisContext } from "../context.js";
import { renderMessage } from "../message.js";

export function res(kind: string, name: string, spec: object, namespace = "default", labels?: Record<string, string>): Resource {
  return {
    apiVersion: "v1",
    kind,
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec,
    source: { file: `${name}.yaml`, line: 1 },
  };
}

export function service(name: string, ports: object[], selector: Record<string, string> = { app: name }, namespace = "default"): Resource {
  return res("Service", name, { selector, ports }, namespace);
}

export function deployment(name: string, labels: Record<string, string>, namespace = "default"): Resource {
  return res("Deployment", name, { selector: { matchLabels: labels }, template: { metadata: { labels } } }, namespace);
}

/** Runs one analyzer; returns its messages as istioctl prints them. */
export function run(analyzer: Analyzer, resources: Resource[]): string[] {
  const ctx = new AnalysisContext(resources);
  analyzer.analyze(ctx);
  return ctx.messages.map(renderMessage);
}
