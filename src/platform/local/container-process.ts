// One container as a process: spawned in its own process group (so everything it forks dies
// with it), stdout and stderr appended to its log file, stopped with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { MizzenError } from "../../errors.js";

export interface ContainerSpec {
  name: string;
  /** The full command line (Kubernetes' command + args, already joined). */
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  /** When set, the container is ready once this URL answers 200 (else: ready once started). */
  readinessUrl?: string;
  /** Grace between SIGTERM and SIGKILL when the pod stops; default the platform's for the container's role. */
  stopGraceMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  at: number;
}

/** Sends `signal` to the whole process group; a group already gone is fine. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

export class ContainerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<ExitInfo> | undefined;

  constructor(readonly spec: ContainerSpec, readonly logFile: string) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process; resolves `exit` when it ends (a spawn failure is an exit with code 127). */
  start(): Promise<ExitInfo> {
    if (this.running) throw new MizzenError("MIZZEN_ERR_CONTAINER_RUNNING", `container ${this.spec.name} is already running`);
    const [cmd, ...args] = this.spec.argv;
    if (cmd === undefined) throw new MizzenError("MIZZEN_ERR_CONTAINER_COMMAND", `container ${this.spec.name} has no command`);
    mkdirSync(dirname(this.logFile), { recursive: true });
    const fd = openSync(this.logFile, "a");
    try {
      const child = spawn(cmd, args, { env: this.spec.env, cwd: this.spec.cwd, stdio: ["ignore", fd, fd], detached: true });
      this.child = child;
      this.exited = new Promise((resolve) => {
        let done = false;
        const finish = (info: ExitInfo): void => {
          if (done) return;
          done = true;
          // Whatever the leader left behind in its group goes too.
          if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
          resolve(info);
        };
        child.once("error", () => finish({ code: 127, signal: null, at: Date.now() }));
        child.once("exit", (code, signal) => finish({ code, signal, at: Date.now() }));
      });
      return this.exited;
    } finally {
      closeSync(fd);
    }
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process has exited. */
  async stop(graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.exited || child.pid === undefined) return;
    if (!this.running) {
      await this.exited;
      return;
    }
    signalGroup(child.pid, "SIGTERM");
    const timer = setTimeout(() => { if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL"); }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
