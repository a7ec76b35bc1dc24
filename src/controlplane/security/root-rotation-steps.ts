// Root rotation on a running control plane, one step per request (Istio's overlapping-bundle
// rotation): 1. a new root is made and trusted (the CSR answers carry both roots, so every agent's
// ROOTCA gets both at its next renewal); 2. the CA signs under the new root (agents renew under it
// at half-life; the secure port re-issues its own cert); 3. every other root is retired. The step
// to take follows from the data dir and the authority, so a restart mid-rotation resumes it.
import { join } from "node:path";
import {
  activateNextRoot, prepareNextRoot, type CertificateAuthority,
} from "../../ca/index.js";
import { existsSync } from "../../ca/files.js";
import { NEXT_ROOT_CERT_FILE } from "../../ca/root-rotation.js";
import { fingerprint, rootTag } from "../../ca/pem.js";
import { MizzenError } from "../../errors.js";

export type RotationStep = "trust-new-root" | "sign-with-new-root" | "retire-old-roots";

export interface RotationOutcome {
  readonly step: RotationStep;
  /** Short tags (16 hex digits of SHA-256) of the roots trusted after the step. */
  readonly trusted: readonly string[];
  /** Tag of the root the CA signs under after the step. */
  readonly signing: string;
  /** The trusted roots after the step (PEM, the bundle agents get), for callers that show or save them. */
  readonly roots: readonly string[];
  /** The step the following request will take. */
  readonly next: RotationStep;
}

/** The step the next request takes. */
export function nextRotationStep(authority: CertificateAuthority, dataDir: string): RotationStep {
  if (existsSync(join(dataDir, NEXT_ROOT_CERT_FILE))) return "sign-with-new-root";
  return authority.trustBundle().length > 1 ? "retire-old-roots" : "trust-new-root";
}

export class RootRotation {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly authority: CertificateAuthority, private readonly dataDir: string, private readonly plugged: boolean) {}

  /** Takes the next step (steps never overlap); rejects with a MizzenError for a plugged-in CA. */
  advance(): Promise<RotationOutcome> {
    const run = this.queue.then(() => this.step());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async step(): Promise<RotationOutcome> {
    if (this.plugged) {
      throw new MizzenError("MIZZEN_ERR_CA_ROTATION_PLUGGED", "root rotation runs for the self-signed CA only; rotate a plugged-in CA by changing its files");
    }
    const a = this.authority;
    const step = nextRotationStep(a, this.dataDir);
    if (step === "trust-new-root") await prepareNextRoot(a, this.dataDir);
    else if (step === "sign-with-new-root") await activateNextRoot(a, this.dataDir);
    else {
      const active = fingerprint(a.activeRoot());
      for (const r of a.trustBundle().filter((p) => fingerprint(p) !== active)) a.retireRoot(r);
    }
    const roots = a.trustBundle();
    return { step, trusted: roots.map(rootTag), signing: rootTag(a.activeRoot()), roots, next: nextRotationStep(a, this.dataDir) };
  }
}
