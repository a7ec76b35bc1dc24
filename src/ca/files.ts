// File helpers for CA material: private keys are written 0600 (and re-chmodded if the file existed).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { MizzenError } from "../errors.js";

export function writePrivateFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function writePublicFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o644 });
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Reads a UTF-8 file or throws MIZZEN_ERR_CA_FILE with the path (never the content). */
export function readCaFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new MizzenError("MIZZEN_ERR_CA_FILE", `cannot read ${path}: ${code}`, { cause: e });
  }
}

export { existsSync };
