// The self-signed root in a data dir: created at first start (root-cert.pem + ca-key.pem, key 0600),
// reused on every later start.
import { createPrivateKey } from "node:crypto";
import { join } from "node:path";
import { MizzenError } from "../errors.js";
import { ensureDir, existsSync, readCaFile, writePrivateFile, writePublicFile } from "./files.js";
import { importPrivateKeyPem, type KeyKind } from "./keys.js";
import { parseCertificate } from "./pem.js";
import { createSelfSignedRoot, type SigningCa } from "./signing-ca.js";
import { x509 } from "./x509.js";

export const ROOT_CERT_FILE = "root-cert.pem";
export const ROOT_KEY_FILE = "ca-key.pem";

export interface SelfSignedStoreOptions {
  readonly dataDir: string;
  readonly trustDomain: string;
  readonly keyKind?: KeyKind;
}

export interface LoadedSelfSigned {
  readonly ca: SigningCa;
  /** True when this start made the root (first start). */
  readonly created: boolean;
}

export async function loadOrCreateSelfSignedCa(opts: SelfSignedStoreOptions): Promise<LoadedSelfSigned> {
  ensureDir(opts.dataDir);
  const certPath = join(opts.dataDir, ROOT_CERT_FILE);
  const keyPath = join(opts.dataDir, ROOT_KEY_FILE);
  const haveCert = existsSync(certPath);
  const haveKey = existsSync(keyPath);
  if (haveCert !== haveKey) {
    throw new MizzenError("MIZZEN_ERR_CA_DATA_DIR", `${opts.dataDir}: has ${haveCert ? ROOT_CERT_FILE : ROOT_KEY_FILE} but not ${haveCert ? ROOT_KEY_FILE : ROOT_CERT_FILE}; restore or remove it`);
  }
  if (!haveCert) {
    const made = await createSelfSignedRoot({ trustDomain: opts.trustDomain, ...(opts.keyKind ? { keyKind: opts.keyKind } : {}) });
    writePrivateFile(keyPath, made.keyPem);
    writePublicFile(certPath, made.ca.certPem);
    return { ca: made.ca, created: true };
  }
  const certPem = readCaFile(certPath);
  const node = parseCertificate(certPem, certPath);
  const keyPem = readCaFile(keyPath);
  const key = await importPrivateKeyPem(keyPem, keyPath);
  if (!node.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new MizzenError("MIZZEN_ERR_CA_KEY_MISMATCH", `${keyPath} does not belong to ${certPath}`);
  }
  const cert = new x509.X509Certificate(certPem);
  const pem = `${cert.toString("pem")}\n`;
  return { ca: { certPem: pem, cert, privateKey: key.privateKey, algorithm: key.algorithm, chainPems: [pem], rootPem: pem }, created: false };
}

