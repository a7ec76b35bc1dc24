// Encodes generated Envoy JSON into xDS resources once: a resource whose JSON did not change since
// the previous push reuses its encoded bytes (the cache keeps two push generations).
import { errorMessage } from "../errors.js";
import type { EnvoyJson } from "../proxy/contracts.js";
import { resourceFromEnvoyJson } from "../xds/index.js";
import type { GeneratedResource } from "./proxyless/generator.js";

export class EncodeCache {
  private current = new Map<string, GeneratedResource>();
  private previous = new Map<string, GeneratedResource>();

  constructor(private readonly log: (message: string) => void) {}

  /** Starts a new generation: entries unused during the last two pushes are dropped. */
  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** Encodes each resource; one that does not encode is logged and left out. */
  encode(typeUrl: string, list: readonly EnvoyJson[]): GeneratedResource[] {
    const out: GeneratedResource[] = [];
    for (const json of list) {
      const key = `${typeUrl}\u0000${JSON.stringify(json)}`;
      let g = this.current.get(key) ?? this.previous.get(key);
      if (!g) {
        try {
          g = { json, resource: resourceFromEnvoyJson(typeUrl, json) };
        } catch (e) {
          this.log(`dropping a generated ${typeUrl.split(".").pop() ?? ""} that does not encode: ${errorMessage(e)}`);
          continue;
        }
      }
      this.current.set(key, g);
      out.push(g);
    }
    return out;
  }
}
