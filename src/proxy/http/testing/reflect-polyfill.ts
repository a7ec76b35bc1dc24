// @peculiar/x509 loads tsyringe, which insists on a Reflect metadata API at import time; the
// reflect-metadata package is not a dependency, so tests get this minimal stand-in first.
type MetaStore = WeakMap<object, Map<unknown, unknown>>;
const store: MetaStore = new WeakMap();
const R = Reflect as unknown as Record<string, unknown>;
if (typeof R["getMetadata"] !== "function") {
  R["defineMetadata"] = (key: unknown, value: unknown, target: object): void => {
    let m = store.get(target);
    if (m === undefined) { m = new Map(); store.set(target, m); }
    m.set(key, value);
  };
  R["getMetadata"] = (key: unknown, target: object): unknown => {
    for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const m = store.get(t);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  R["getOwnMetadata"] = (key: unknown, target: object): unknown => store.get(target)?.get(key);
  R["hasMetadata"] = (key: unknown, target: object): boolean => (R["getMetadata"] as (k: unknown, t: object) => unknown)(key, target) !== undefined;
  R["metadata"] = (key: unknown, value: unknown) => (target: object): void => (R["defineMetadata"] as (k: unknown, v: unknown, t: object) => void)(key, value, target);
}
export {};
