// Authenticators by name. A request is accepted by the first authenticator that proves a caller;
// if none does, the reasons of those that tried are reported together.
import { MizzenError, errorMessage } from "../../errors.js";
import type { AuthnRequest, Authenticator, Caller } from "./types.js";

export class AuthenticatorRegistry {
  private readonly byName = new Map<string, Authenticator>();

  register(a: Authenticator): this {
    if (this.byName.has(a.name)) throw new MizzenError("MIZZEN_ERR_AUTHN_DUPLICATE", `authenticator "${a.name}" is already registered`);
    this.byName.set(a.name, a);
    return this;
  }

  get(name: string): Authenticator | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  async authenticate(req: AuthnRequest): Promise<Caller> {
    const reasons: string[] = [];
    for (const a of this.byName.values()) {
      try {
        const caller = await a.authenticate(req);
        if (caller) return caller;
      } catch (e) {
        reasons.push(`${a.name}: ${errorMessage(e)}`);
      }
    }
    const why = reasons.length > 0 ? reasons.join("; ") : "no credential presented";
    throw new MizzenError("MIZZEN_ERR_AUTHN_FAILED", `caller not authenticated: ${why}`, { details: reasons });
  }
}
