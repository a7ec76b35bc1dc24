// A running CA for tests: self-signed root in a temp data dir, bootstrap tokens, CreateCertificate
// served over TLS on 127.0.0.1 with a free port.
import { CertificateAuthority, type AuthorityOptions } from "../authority.js";
import { BootstrapTokens, type PodBinding } from "../authn/bootstrap-token.js";
import { AuthenticatorRegistry } from "../authn/registry.js";
import { startCaServer, type CaCallEvent, type CaServer } from "../csr-service.js";
import { loadOrCreateSelfSignedCa } from "../self-signed-store.js";
import { tempDir } from "./fixtures.js";

export interface TestCa {
  readonly authority: CertificateAuthority;
  readonly tokens: BootstrapTokens;
  readonly server: CaServer;
  readonly events: CaCallEvent[];
  readonly dataDir: string;
  /** PEM of every trusted root (what an agent is given as ROOT_CERT). */
  rootsPem(): string;
  token(pod: PodBinding, ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

/** `dataDir` reuses a data dir (kept on close), as a CA restart would. */
export async function startTestCa(opts: Partial<Omit<AuthorityOptions, "signing">> & { port?: number; dataDir?: string } = {}): Promise<TestCa> {
  const dir = opts.dataDir !== undefined ? { path: opts.dataDir, remove: () => undefined } : tempDir();
  const { ca } = await loadOrCreateSelfSignedCa({ dataDir: dir.path, trustDomain: "cluster.local", keyKind: "ecdsa-p256" });
  const { port, dataDir: _dataDir, ...authorityOpts } = opts;
  const authority = new CertificateAuthority({ signing: ca, ...authorityOpts });
  const tokens = BootstrapTokens.open(dir.path);
  const events: CaCallEvent[] = [];
  const server = await startCaServer({
    authority,
    authenticators: new AuthenticatorRegistry().register(tokens),
    port: port ?? 0,
    onEvent: (e) => events.push(e),
  });
  return {
    authority,
    tokens,
    server,
    events,
    dataDir: dir.path,
    rootsPem: () => authority.trustBundle().join(""),
    token: (pod, ttl) => tokens.issue(pod, ttl ?? 600),
    close: async () => {
      await server.close();
      dir.remove();
    },
  };
}
