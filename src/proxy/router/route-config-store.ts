// Named route configurations for RDS: set() compiles (or throws, keeping the last good one),
// listeners' connection managers look theirs up per request.
import { compileRouteConfiguration, type CompiledRouteConfig } from "./route-config.js";
import type { EnvoyJson } from "../contracts.js";

export class RouteConfigStore {
  private readonly configs = new Map<string, CompiledRouteConfig>();

  /** Compiles and stores; throws MizzenError (MIZZEN_ERR_XDS_INVALID) and keeps the previous one on bad input. */
  set(name: string, envoyJson: EnvoyJson): CompiledRouteConfig {
    const compiled = compileRouteConfiguration({ ...envoyJson, name: envoyJson["name"] ?? name });
    this.configs.set(name, compiled);
    return compiled;
  }

  get(name: string): CompiledRouteConfig | undefined {
    return this.configs.get(name);
  }

  delete(name: string): boolean {
    return this.configs.delete(name);
  }

  names(): string[] {
    return [...this.configs.keys()];
  }
}
