// One pod's processes under supervision: init containers to completion, then the sidecar, then
// the app containers once the sidecar is ready (Istio's holdApplicationUntilProxyStarts). Every
// container restarts when it exits (restartPolicy Always) after a crash-loop back-off. Stopping
// ends the apps first, then drains the sidecar.
import { join } from "node:path";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff.js";
import { ContainerProcess, type ContainerSpec, type ExitInfo } from "./container-process.js";
import { probeHttp } from "./readiness.js";

export type ContainerState = "waiting" | "running" | "backoff" | "completed" | "terminated";

export interface ContainerStatus {
  name: string;
  role: "init" | "sidecar" | "app";
  state: ContainerState;
  ready: boolean;
  restarts: number;
  pid?: number;
  lastExit?: ExitInfo;
  /** When in back-off: when the next start is due (ms since epoch). */
  nextStartAt?: number;
  logFile: string;
}

export interface PodRunSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  /** Where the app listens when it differs from ip (NONE mode). */
  appAddress?: string;
  captureMode: "REDIRECT" | "NONE";
  init: ContainerSpec[];
  sidecar?: ContainerSpec;
  containers: ContainerSpec[];
}

export interface PodStatus {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  appAddress?: string;
  captureMode: "REDIRECT" | "NONE";
  phase: "Pending" | "Running" | "Terminating" | "Stopped";
  ready: boolean;
  restarts: number;
  containers: ContainerStatus[];
}

export interface PodRuntimeOptions {
  /** Container logs go to <logDir>/<namespace>/<pod>/<container>.log. */
  logDir: string;
  backoff?: BackoffPolicy;
  /** Grace before SIGKILL: apps, and the sidecar's drain. */
  appGraceMs?: number;
  sidecarGraceMs?: number;
  onChange?: () => void;
}

interface Slot {
  proc: ContainerProcess;
  status: ContainerStatus;
}

export class PodRuntime {
  private readonly slots: Slot[];
  private stopping = false;
  private stopped = false;
  private readonly wakers = new Set<() => void>();
  private readonly loops: Promise<void>[] = [];
  private readonly backoff: BackoffPolicy;

  constructor(readonly spec: PodRunSpec, private readonly opts: PodRuntimeOptions) {
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    const slot = (c: ContainerSpec, role: ContainerStatus["role"]): Slot => {
      const logFile = join(opts.logDir, spec.namespace, spec.name, `${c.name}.log`);
      return { proc: new ContainerProcess(c, logFile), status: { name: c.name, role, state: "waiting", ready: false, restarts: 0, logFile } };
    };
    this.slots = [
      ...spec.init.map((c) => slot(c, "init")),
      ...(spec.sidecar ? [slot(spec.sidecar, "sidecar")] : []),
      ...spec.containers.map((c) => slot(c, "app")),
    ];
  }

  status(): PodStatus {
    const running = this.slots.filter((s) => s.status.role !== "init");
    const ready = !this.stopping && running.length > 0 && running.every((s) => s.status.ready);
    const phase = this.stopped ? "Stopped" : this.stopping ? "Terminating" : running.some((s) => s.status.state === "running") ? "Running" : "Pending";
    return {
      name: this.spec.name,
      namespace: this.spec.namespace,
      labels: { ...this.spec.labels },
      ip: this.spec.ip,
      ...(this.spec.appAddress !== undefined ? { appAddress: this.spec.appAddress } : {}),
      captureMode: this.spec.captureMode,
      phase,
      ready,
      restarts: this.slots.reduce((n, s) => n + s.status.restarts, 0),
      containers: this.slots.map((s) => ({ ...s.status, ...(s.status.lastExit ? { lastExit: { ...s.status.lastExit } } : {}) })),
    };
  }

  /** Starts the pod in the background; progress shows in status() and onChange. */
  start(): void {
    this.loops.push(this.run());
  }

  private changed(): void {
    this.opts.onChange?.();
  }

  /** Sleeps up to `ms`, cut short by stop(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => { clearTimeout(t); this.wakers.delete(wake); resolve(); };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private async run(): Promise<void> {
    for (const s of this.slots.filter((x) => x.status.role === "init")) {
      if (!(await this.runToCompletion(s))) return;
    }
    const sidecar = this.slots.find((s) => s.status.role === "sidecar");
    if (sidecar) {
      this.loops.push(this.keepRunning(sidecar));
      while (!this.stopping && !sidecar.status.ready) await this.sleep(100);
    }
    for (const s of this.slots.filter((x) => x.status.role === "app")) if (!this.stopping) this.loops.push(this.keepRunning(s));
  }

  /** An init container: retried with back-off until it exits 0; false when the pod stopped first. */
  private async runToCompletion(s: Slot): Promise<boolean> {
    let attempt = 0;
    while (!this.stopping) {
      s.status.state = "running";
      const exit = s.proc.start();
      s.status.pid = s.proc.pid;
      this.changed();
      const info = await exit;
      s.status.lastExit = info;
      delete s.status.pid;
      if (info.code === 0) {
        s.status.state = "completed";
        this.changed();
        return true;
      }
      if (this.stopping) break;
      await this.backOff(s, ++attempt);
    }
    s.status.state = "terminated";
    this.changed();
    return false;
  }

  private async backOff(s: Slot, attempt: number): Promise<void> {
    s.status.restarts++;
    const delay = backoffDelay(this.backoff, attempt);
    s.status.state = "backoff";
    s.status.nextStartAt = Date.now() + delay;
    this.changed();
    await this.sleep(delay);
    delete s.status.nextStartAt;
  }

  private async keepRunning(s: Slot): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      const startedAt = Date.now();
      s.status.state = "running";
      const exit = s.proc.start();
      s.status.pid = s.proc.pid;
      let exited = false;
      void exit.then(() => { exited = true; });
      if (s.proc.spec.readinessUrl) void this.probeUntilExit(s, s.proc.spec.readinessUrl, () => exited);
      else s.status.ready = true;
      this.changed();
      const info = await exit;
      s.status.ready = false;
      s.status.lastExit = info;
      delete s.status.pid;
      if (this.stopping) break;
      if (info.at - startedAt >= this.backoff.resetAfterMs) attempt = 0;
      await this.backOff(s, ++attempt);
    }
    s.status.state = "terminated";
    this.changed();
  }

  /** Probes every 200 ms until ready, then every 2 s; three failures in a row make it unready. */
  private async probeUntilExit(s: Slot, url: string, exited: () => boolean): Promise<void> {
    let failures = 0;
    while (!exited() && !this.stopping) {
      const ok = await probeHttp(url);
      if (exited() || this.stopping) return;
      failures = ok ? 0 : failures + 1;
      const ready = ok || (s.status.ready && failures < 3);
      if (ready !== s.status.ready) {
        s.status.ready = ready;
        this.changed();
      }
      await this.sleep(s.status.ready ? 2000 : 200);
    }
  }

  /** Stops apps (SIGTERM, then SIGKILL after their grace), then the sidecar (its drain), then init leftovers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    for (const w of [...this.wakers]) w();
    this.changed();
    const byRole = (role: ContainerStatus["role"]): Slot[] => this.slots.filter((s) => s.status.role === role);
    await Promise.all(byRole("app").map((s) => s.proc.stop(s.proc.spec.stopGraceMs ?? this.opts.appGraceMs ?? 5000)));
    await Promise.all(byRole("sidecar").map((s) => s.proc.stop(s.proc.spec.stopGraceMs ?? this.opts.sidecarGraceMs ?? 10_000)));
    await Promise.all(byRole("init").map((s) => s.proc.stop(1000)));
    await Promise.all(this.loops);
    this.stopped = true;
    this.changed();
  }
}
