// @peculiar/x509 (used by the TLS test fixtures) loads tsyringe, which insists on a Reflect
// metadata API at import time. reflect-metadata is not a dependency, so install a small one.
type Target = object;
const store = new WeakMap<Target, Map<string | symbol | undefined, Map<unknown, unknown>>>();

function table(target: Target, prop: string | symbol | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let t = byProp?.get(prop);
  if (!t && create && byProp) byProp.set(prop, (t = new Map()));
  return t;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== "function") {
  const getOwn = (key: unknown, target: Target, prop?: string | symbol): unknown => table(target, prop, false)?.get(key);
  const get = (key: unknown, target: Target, prop?: string | symbol): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const v = table(t, prop, false);
      if (v?.has(key)) return v.get(key);
    }
    return undefined;
  };
  const define = (key: unknown, value: unknown, target: Target, prop?: string | symbol): void => {
    table(target, prop, true)?.set(key, value);
  };
  Object.assign(R, {
    defineMetadata: define,
    getOwnMetadata: getOwn,
    getMetadata: get,
    hasMetadata: (key: unknown, target: Target, prop?: string | symbol) => get(key, target, prop) !== undefined,
    hasOwnMetadata: (key: unknown, target: Target, prop?: string | symbol) => table(target, prop, false)?.has(key) ?? false,
    metadata: (key: unknown, value: unknown) => (target: Target, prop?: string | symbol) => define(key, value, target, prop),
  });
}
export {};
