// @peculiar/x509 loads tsyringe, which requires a Reflect metadata API at import time. The
// reflect-metadata package is not a dependency, so the CA installs this minimal stand-in first.
type MetaStore = WeakMap<object, Map<unknown, unknown>>;
const store: MetaStore = new WeakMap();
const R = Reflect as unknown as Record<string, unknown>;

function getMetadata(key: unknown, target: object): unknown {
  for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
    const m = store.get(t);
    if (m?.has(key)) return m.get(key);
  }
  return undefined;
}

function defineMetadata(key: unknown, value: unknown, target: object): void {
  let m = store.get(target);
  if (m === undefined) {
    m = new Map();
    store.set(target, m);
  }
  m.set(key, value);
}

if (typeof R["getMetadata"] !== "function") {
  R["defineMetadata"] = defineMetadata;
  R["getMetadata"] = getMetadata;
  R["getOwnMetadata"] = (key: unknown, target: object): unknown => store.get(target)?.get(key);
  R["hasMetadata"] = (key: unknown, target: object): boolean => getMetadata(key, target) !== undefined;
  R["metadata"] = (key: unknown, value: unknown) => (target: object): void => defineMetadata(key, value, target);
}
export {};
