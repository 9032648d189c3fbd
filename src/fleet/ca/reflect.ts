/**
 * The small part of the Reflect metadata API that @peculiar/x509's dependency injection (tsyringe) needs
 * at load time. Imported before @peculiar/x509 (keys.ts) so no polyfill package is needed. Does nothing
 * when a full polyfill (reflect-metadata) is already loaded.
 */
type Meta = Map<unknown, unknown>;
const store = new WeakMap<object, Map<PropertyKey | undefined, Meta>>();

function metaOf(target: object, prop: PropertyKey | undefined, create: boolean): Meta | undefined {
  let byProp = store.get(target);
  if (!byProp) {
    if (!create) return undefined;
    byProp = new Map();
    store.set(target, byProp);
  }
  let m = byProp.get(prop);
  if (!m && create) {
    m = new Map();
    byProp.set(prop, m);
  }
  return m;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== "function") {
  const getOwn = (key: unknown, target: object, prop?: PropertyKey) => metaOf(target, prop, false)?.get(key);
  const get = (key: unknown, target: object, prop?: PropertyKey): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const v = metaOf(t, prop, false);
      if (v?.has(key)) return v.get(key);
    }
    return undefined;
  };
  const define = (key: unknown, value: unknown, target: object, prop?: PropertyKey) => {
    metaOf(target, prop, true)?.set(key, value);
  };
  Object.assign(R, {
    defineMetadata: define,
    getOwnMetadata: getOwn,
    getMetadata: get,
    hasOwnMetadata: (key: unknown, target: object, prop?: PropertyKey) =>
      metaOf(target, prop, false)?.has(key) ?? false,
    hasMetadata: (key: unknown, target: object, prop?: PropertyKey) => get(key, target, prop) !== undefined,
    metadata: (key: unknown, value: unknown) => (target: object, prop?: PropertyKey) =>
      define(key, value, target, prop),
  });
}
