// request/response headers_to_add and headers_to_remove, flattened per route at compile time
// (route, then virtual host, then route configuration, as Envoy applies them).
import { invalid, obj, str, bool, arr } from "./envoy-json.js";

export const enum AppendAction { AppendOrAdd, AddIfAbsent, OverwriteOrAdd, OverwriteIfExists }

export interface HeaderAdd {
  readonly name: string;
  readonly value: string;
  readonly action: AppendAction;
  readonly keepEmpty: boolean;
}

/** The header container the proxy mutates (lower-case names). */
export interface MutableHeaders {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  remove(name: string): void;
}

const ACTIONS: Record<string, AppendAction> = {
  APPEND_IF_EXISTS_OR_ADD: AppendAction.AppendOrAdd,
  ADD_IF_ABSENT: AppendAction.AddIfAbsent,
  OVERWRITE_IF_EXISTS_OR_ADD: AppendAction.OverwriteOrAdd,
  OVERWRITE_IF_EXISTS: AppendAction.OverwriteIfExists,
};

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function compileHeaderAdds(v: unknown, field: string): HeaderAdd[] {
  return arr(v, field).map((item, i) => {
    const f = `${field}[${i}]`;
    const o = obj(item, f) ?? {};
    const h = obj(o["header"], `${f}.header`);
    const name = h ? str(h["key"], `${f}.header.key`)?.toLowerCase() : undefined;
    if (!name || !TOKEN_RE.test(name)) throw invalid(`${f}.header.key`, "must be a header name");
    const value = str(h?.["value"], `${f}.header.value`) ?? "";
    if (/[\r\n\0]/.test(value)) throw invalid(`${f}.header.value`, "must not contain CR, LF or NUL");
    let action = AppendAction.AppendOrAdd;
    const aa = o["append_action"];
    if (aa !== undefined) {
      const a = ACTIONS[String(aa)];
      if (a === undefined) throw invalid(`${f}.append_action`, `unknown action ${JSON.stringify(aa)}`);
      action = a;
    } else if (bool(o["append"], `${f}.append`) === false) action = AppendAction.OverwriteOrAdd;
    return { name, value, action, keepEmpty: bool(o["keep_empty_value"], `${f}.keep_empty_value`) ?? false };
  });
}

export function compileHeaderRemoves(v: unknown, field: string): string[] {
  return arr(v, field).map((x, i) => {
    const s = str(x, `${field}[${i}]`);
    if (!s) throw invalid(`${field}[${i}]`, "must be a header name");
    return s.toLowerCase();
  });
}

export function applyHeaderMutations(h: MutableHeaders, adds: readonly HeaderAdd[], removes: readonly string[]): void {
  for (let i = 0; i < removes.length; i++) h.remove(removes[i] as string);
  for (let i = 0; i < adds.length; i++) {
    const a = adds[i] as HeaderAdd;
    if (a.value === "" && !a.keepEmpty) continue;
    switch (a.action) {
      case AppendAction.AppendOrAdd: h.append(a.name, a.value); break;
      case AppendAction.AddIfAbsent: if (h.get(a.name) === undefined) h.append(a.name, a.value); break;
      case AppendAction.OverwriteOrAdd: h.set(a.name, a.value); break;
      case AppendAction.OverwriteIfExists: if (h.get(a.name) !== undefined) h.set(a.name, a.value); break;
    }
  }
}
