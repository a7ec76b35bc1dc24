// A directory of YAML/JSON manifests feeding a ConfigStore: loads it, then watches it. A changed or
// new file is re-read; resources that vanished from a file are deleted; a document that now fails
// validation is rejected alone (its diagnostics are reported) and its last good version keeps serving.
import { EventEmitter } from "node:events";
import { watch, type FSWatcher } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, type Diagnostic } from "../diagnostic.js";
import { resourceKey, type Resource } from "../resource.js";
import { decodeText } from "../decode/index.js";
import type { ConfigStore } from "./config-store.js";

export type TextDecoderFn = (text: string, file: string) => { resources: Resource[]; diagnostics: Diagnostic[] };

export interface DirectorySourceOptions {
  dir: string;
  store: ConfigStore;
  /** Defaults to the config decoder (`decodeText`). */
  decode?: TextDecoderFn;
  /** Quiet period after the last file event before re-reading (ms). */
  debounceMs?: number;
}

export interface FileDiagnostics {
  file: string;
  diagnostics: Diagnostic[];
}

const MANIFEST = /\.(ya?ml|json)$/i;

interface FileState {
  text: string;
  /** The resources this file currently provides, by resourceKey (rejected documents keep their last good version). */
  resources: Map<string, Resource>;
}

/**
 * Events: "diagnostics" (FileDiagnostics, for every read file that had problems), "synced"
 * (store revision after a load or re-read completed), "error" is never emitted: I/O failures
 * become diagnostics with code MIZZEN_ERR_IO.
 */
export class DirectorySource extends EventEmitter {
  private readonly files = new Map<string, FileState>();
  private readonly owner = new Map<string, string>();
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  /** When the current burst of file events began: a burst is cut off after 10 debounce periods. */
  private burstStart = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly debounceMs: number;

  constructor(private readonly opts: DirectorySourceOptions) {
    super();
    this.debounceMs = opts.debounceMs ?? 100;
  }

  /** Loads every manifest under the directory, then starts watching it. */
  async start(): Promise<void> {
    await this.sync();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Re-reads the directory now (what a file event triggers after the debounce). */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.runSyncs().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runSyncs(): Promise<void> {
    do {
      this.again = false;
      await this.syncOnce();
    } while (this.again && !this.stopped);
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    if (this.timer) clearTimeout(this.timer);
    else this.burstStart = now;
    // Trailing debounce, but a steady stream of events still gets re-read every 10 periods.
    const wait = Math.max(0, Math.min(this.debounceMs, this.burstStart + 10 * this.debounceMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, wait);
  }

  private async syncOnce(): Promise<void> {
    const dirs: string[] = [];
    const found: string[] = [];
    await this.walk(this.opts.dir, dirs, found);
    if (this.stopped) return;
    this.updateWatchers(dirs);
    const present = new Set(found);
    for (const file of [...this.files.keys()]) {
      if (!present.has(file)) this.removeFile(file);
    }
    for (const file of found.sort()) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (e) {
        // Vanished between listing and reading: the next event removes it.
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        this.report(file, [{ severity: "error", code: ErrorCode.Io, message: `cannot read: ${(e as Error).message}`, file }]);
        continue;
      }
      const prev = this.files.get(file);
      if (prev && prev.text === text) continue;
      this.applyFile(file, text, prev);
    }
    this.emit("synced", this.opts.store.revision);
  }

  private applyFile(file: string, text: string, prev: FileState | undefined): void {
    const { resources, diagnostics } = (this.opts.decode ?? decodeText)(text, file);
    const kept = new Map<string, Resource>();
    for (const r of resources) {
      const key = resourceKey(r);
      kept.set(key, r);
      this.owner.set(key, file);
      this.opts.store.apply(r);
    }
    const errors = diagnostics.filter((d) => d.severity === "error");
    const fileLevelError = errors.some((d) => !d.resource);
    for (const [key, last] of prev?.resources ?? []) {
      if (kept.has(key)) continue;
      const rejected = fileLevelError || errors.some((d) => d.resource && refMatchesKey(d.resource, key));
      if (rejected) {
        kept.set(key, last); // last good version keeps serving
        continue;
      }
      this.deleteKey(key, file);
    }
    this.files.set(file, { text, resources: kept });
    if (diagnostics.length > 0) this.report(file, diagnostics);
  }

  private removeFile(file: string): void {
    const state = this.files.get(file);
    this.files.delete(file);
    for (const key of state?.resources.keys() ?? []) this.deleteKey(key, file);
  }

  private deleteKey(key: string, file: string): void {
    if (this.owner.get(key) !== file) return; // another file defines it now
    this.owner.delete(key);
    // The same resource may also be defined in another file: that definition serves now.
    for (const [other, state] of this.files) {
      const r = other === file ? undefined : state.resources.get(key);
      if (r) {
        this.owner.set(key, other);
        this.opts.store.apply(r);
        return;
      }
    }
    const [kind = "", ns = "", ...rest] = key.split("/");
    this.opts.store.delete(kind, ns === "" ? undefined : ns, rest.join("/"));
  }

  private report(file: string, diagnostics: Diagnostic[]): void {
    const payload: FileDiagnostics = { file, diagnostics };
    this.emit("diagnostics", payload);
  }

  private async walk(dir: string, dirs: string[], files: string[]): Promise<void> {
    dirs.push(dir);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      // A subdirectory removed while walking just goes away; the watched root itself must be readable.
      if (dir === this.opts.dir) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "no such directory" : (e as Error).message;
        this.report(dir, [{ severity: "error", code: ErrorCode.Io, message: `cannot read config directory: ${why}`, file: dir }]);
      }
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue; // editors' swap files, Kubernetes' ..data links
      const p = join(dir, e.name);
      if (e.isDirectory()) await this.walk(p, dirs, files);
      else if (e.isFile() && MANIFEST.test(e.name)) files.push(p);
      else if (e.isSymbolicLink() && MANIFEST.test(e.name)) {
        const s = await stat(p).catch(() => undefined);
        if (s?.isFile()) files.push(p);
      }
    }
  }

  /** Node 20 has no recursive fs.watch on Linux: one watcher per directory, kept in step with the tree. */
  private updateWatchers(dirs: string[]): void {
    const want = new Set(dirs);
    for (const [d, w] of this.watchers) {
      if (!want.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    }
    for (const d of dirs) {
      if (this.watchers.has(d)) continue;
      try {
        const w = watch(d, () => this.schedule());
        w.on("error", () => {
          w.close();
          this.watchers.delete(d);
          this.schedule();
        });
        this.watchers.set(d, w);
      } catch {
        // The directory vanished before it could be watched; the parent's watcher reports that.
      }
    }
  }
}

function refMatchesKey(ref: { kind: string; namespace?: string; name: string }, key: string): boolean {
  const [kind = "", ns = "", ...rest] = key.split("/");
  return ref.kind === kind && ref.name === rest.join("/") && (ref.namespace === undefined || ref.namespace === ns);
}
