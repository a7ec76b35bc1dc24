import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore, type StoreEvent } from "./config-store.js";
import { DirectorySource, type FileDiagnostics } from "./directory-source.js";

function pa(name: string, mode: string): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}
  namespace: default
spec:
  mtls:
    mode: ${mode}
`;
}

/** Resolves with the first value `pick` accepts among the emitter's events, or rejects after `ms`. */
function waitFor<T>(source: DirectorySource, event: string, pick: (v: T) => boolean, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off(event, on);
      reject(new Error(`no matching "${event}" event within ${ms} ms`));
    }, ms);
    const on = (v: T) => {
      if (!pick(v)) return;
      clearTimeout(timer);
      source.off(event, on);
      resolve(v);
    };
    source.on(event, on);
  });
}

function storeEvent(store: ConfigStore, pick: (e: StoreEvent) => boolean, ms = 5000): Promise<StoreEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching store event within ${ms} ms`));
    }, ms);
    const stop = store.subscribe((e) => {
      if (!pick(e)) return;
      clearTimeout(timer);
      stop();
      resolve(e);
    });
  });
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "mizzen-dirsource-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("loads a directory tree, then follows file changes, new files and deletions", () =>
  withDir(async (dir) => {
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "a.yaml"), pa("a", "STRICT") + "---\n" + pa("b", "PERMISSIVE"));
    await writeFile(join(dir, "sub", "c.yaml"), pa("c", "DISABLE"));
    await writeFile(join(dir, "notes.txt"), "not config");
    const store = new ConfigStore();
    const source = new DirectorySource({ dir, store, debounceMs: 20 });
    try {
      await source.start();
      assert.deepEqual(store.list("PeerAuthentication").map((r) => r.metadata.name), ["a", "b", "c"]);

      const updated = storeEvent(store, (e) => e.type === "updated" && e.resource.metadata.name === "a");
      const deleted = storeEvent(store, (e) => e.type === "deleted" && e.resource.metadata.name === "b");
      await writeFile(join(dir, "a.yaml"), pa("a", "PERMISSIVE"));
      assert.equal(((await updated).resource.spec as { mtls: { mode: string } }).mtls.mode, "PERMISSIVE");
      await deleted;

      const added = storeEvent(store, (e) => e.type === "added" && e.resource.metadata.name === "d");
      await mkdir(join(dir, "sub", "deeper"));
      // The new directory gets its own watcher on the next sync; write after that sync to exercise it.
      await waitFor<number>(source, "synced", () => true);
      await writeFile(join(dir, "sub", "deeper", "d.yaml"), pa("d", "STRICT"));
      assert.equal((await added).resource.metadata.name, "d");

      const gone = storeEvent(store, (e) => e.type === "deleted" && e.resource.metadata.name === "c");
      await unlink(join(dir, "sub", "c.yaml"));
      await gone;
      assert.deepEqual(store.list("PeerAuthentication").map((r) => r.metadata.name), ["a", "d"]);
    } finally {
      source.stop();
    }
  }));

test("a document that now fails validation is rejected alone and its last good version keeps serving", () =>
  withDir(async (dir) => {
    await writeFile(join(dir, "p.yaml"), pa("good", "STRICT") + "---\n" + pa("other", "STRICT"));
    const store = new ConfigStore();
    const source = new DirectorySource({ dir, store, debounceMs: 20 });
    try {
      await source.start();
      const diags = waitFor<FileDiagnostics>(source, "diagnostics", (d) => d.diagnostics.some((x) => x.severity === "error"));
      const otherUpdated = storeEvent(store, (e) => e.type === "updated" && e.resource.metadata.name === "other");
      await writeFile(join(dir, "p.yaml"), pa("good", "NOT_A_MODE") + "---\n" + pa("other", "PERMISSIVE"));
      const reported = await diags;
      await otherUpdated;
      assert.ok(reported.diagnostics.some((d) => d.resource?.name === "good" && d.severity === "error"));
      const good = store.get("PeerAuthentication", "default", "good");
      assert.equal((good?.spec as { mtls: { mode: string } }).mtls.mode, "STRICT");

      // Fixing the document brings the new version in.
      const fixed = storeEvent(store, (e) => e.type === "updated" && e.resource.metadata.name === "good");
      await writeFile(join(dir, "p.yaml"), pa("good", "DISABLE") + "---\n" + pa("other", "PERMISSIVE"));
      assert.equal(((await fixed).resource.spec as { mtls: { mode: string } }).mtls.mode, "DISABLE");
    } finally {
      source.stop();
    }
  }));

test("a file that stops being YAML keeps every resource it served", () =>
  withDir(async (dir) => {
    await writeFile(join(dir, "p.yaml"), pa("x", "STRICT"));
    const store = new ConfigStore();
    const source = new DirectorySource({ dir, store, debounceMs: 20 });
    try {
      await source.start();
      const diags = waitFor<FileDiagnostics>(source, "diagnostics", () => true);
      await writeFile(join(dir, "p.yaml"), "kind: [unclosed\n");
      await diags;
      assert.ok(store.get("PeerAuthentication", "default", "x"));
      assert.equal(store.revision, 1);
    } finally {
      source.stop();
    }
  }));

test("a burst of writes to one file ends with its last content in the store", () =>
  withDir(async (dir) => {
    await writeFile(join(dir, "p.yaml"), pa("x", "STRICT"));
    const store = new ConfigStore();
    const source = new DirectorySource({ dir, store, debounceMs: 20 });
    try {
      await source.start();
      const final = storeEvent(store, (e) => (e.resource.spec as { mtls: { mode: string } }).mtls.mode === "DISABLE");
      for (let i = 0; i < 20; i++) await writeFile(join(dir, "p.yaml"), pa("x", i % 2 === 0 ? "PERMISSIVE" : "STRICT"));
      await writeFile(join(dir, "p.yaml"), pa("x", "DISABLE"));
      await final;
      assert.equal((store.get("PeerAuthentication", "default", "x")?.spec as { mtls: { mode: string } }).mtls.mode, "DISABLE");
    } finally {
      source.stop();
    }
  }));

test("a missing directory is reported as a diagnostic, not thrown", async () => {
  const store = new ConfigStore();
  const dir = join(tmpdir(), "mizzen-no-such-dir-" + process.pid);
  const source = new DirectorySource({ dir, store });
  const seen: FileDiagnostics[] = [];
  source.on("diagnostics", (d: FileDiagnostics) => seen.push(d));
  try {
    await source.start();
    assert.equal(seen[0]?.diagnostics[0]?.code, "MIZZEN_ERR_IO");
    assert.match(seen[0]?.diagnostics[0]?.message ?? "", /no such directory/);
    assert.equal(store.revision, 0);
  } finally {
    source.stop();
  }
});

test("when a file defining a duplicated resource goes away, the other file's definition serves", () =>
  withDir(async (dir) => {
    await writeFile(join(dir, "a.yaml"), pa("dup", "STRICT"));
    await writeFile(join(dir, "b.yaml"), pa("dup", "PERMISSIVE"));
    const store = new ConfigStore();
    const source = new DirectorySource({ dir, store, debounceMs: 20 });
    try {
      await source.start();
      // Files are read in sorted order: b.yaml's definition is the one serving.
      assert.equal((store.get("PeerAuthentication", "default", "dup")?.spec as { mtls: { mode: string } }).mtls.mode, "PERMISSIVE");
      const back = storeEvent(store, (e) => e.type === "updated" && (e.resource.spec as { mtls: { mode: string } }).mtls.mode === "STRICT");
      await unlink(join(dir, "b.yaml"));
      await back;
      assert.ok(store.get("PeerAuthentication", "default", "dup"));
    } finally {
      source.stop();
    }
  }));
