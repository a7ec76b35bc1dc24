// Human-readable pod state: the status table, progress lines while pods start, and what to say
// about a pod that is not ready (its containers' state, restarts, last exit, the tail of its log).
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { PodStatus } from "../pod-runtime.js";

/** The last `lines` lines of a file (reads at most the last 16 KiB). */
export function tailFile(file: string, lines = 15): string {
  try {
    const size = statSync(file).size;
    const len = Math.min(size, 16_384);
    const buf = Buffer.alloc(len);
    const fd = openSync(file, "r");
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString("utf8").split("\n").filter((l) => l !== "").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export function readyCount(p: PodStatus): string {
  const running = p.containers.filter((c) => c.role !== "init");
  return `${running.filter((c) => c.ready).length}/${running.length}`;
}

/** kubectl's STATUS column: Running, CrashLoopBackOff, PodInitializing, Terminating … */
export function podPhaseText(p: PodStatus): string {
  if (p.containers.some((c) => c.state === "backoff")) return "CrashLoopBackOff";
  if (p.containers.some((c) => c.role === "init" && c.state !== "completed")) return "Init:0/1";
  return p.phase;
}

export function statusTable(pods: readonly PodStatus[]): string {
  const rows = [["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "IP", "CAPTURE"]];
  for (const p of [...pods].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))) {
    rows.push([p.namespace, p.name, readyCount(p), podPhaseText(p), String(p.restarts), p.ip, p.captureMode.toLowerCase()]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 2))).join("")).join("\n");
}

/** One line per pod whose summary changed since the last call. */
export class ProgressLines {
  private readonly last = new Map<string, string>();

  lines(pods: readonly PodStatus[]): string[] {
    const out: string[] = [];
    for (const p of pods) {
      const text = `${p.namespace}/${p.name}: ${podPhaseText(p)} ${readyCount(p)} ready${p.restarts > 0 ? `, ${p.restarts} restart${p.restarts === 1 ? "" : "s"}` : ""}`;
      if (this.last.get(p.name) !== text) out.push(text);
      this.last.set(p.name, text);
    }
    return out;
  }
}

/**
 * Which pods are not ready or keep restarting (an app that crashes right after start looks ready
 * for an instant), and why, with the log tail of each such container.
 */
export function notReadyReport(pods: readonly PodStatus[]): string {
  const bad = pods.filter((p) => !p.ready || p.restarts > 0);
  if (bad.length === 0) return "the pods are ready but a gateway's proxy is not (see its istio-proxy log)";
  const parts = [`${bad.length} pod${bad.length === 1 ? " is" : "s are"} not ready or restarting:`];
  for (const p of bad) {
    const phase = p.restarts > 0 && !p.containers.some((c) => c.state === "backoff") ? "CrashLoopBackOff (restarting)" : podPhaseText(p);
    parts.push(`pod ${p.namespace}/${p.name}: ${phase}, ${p.restarts} restart${p.restarts === 1 ? "" : "s"}`);
    for (const c of p.containers.filter((x) => (!x.ready || x.restarts > 0) && x.state !== "completed")) {
      const exit = c.lastExit ? ` (last exit: ${c.lastExit.signal ?? `code ${c.lastExit.code ?? "?"}`})` : "";
      parts.push(`  container ${c.name} (${c.role}): ${c.state}, ${c.restarts} restarts${exit}; log ${c.logFile}:`);
      const tail = tailFile(c.logFile, 10);
      parts.push(tail ? tail.split("\n").map((l) => `    | ${l}`).join("\n") : "    | (empty)");
    }
  }
  return parts.join("\n");
}
