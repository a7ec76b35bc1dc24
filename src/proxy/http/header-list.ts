// A request's or response's headers as two parallel arrays (lower-case names, values): cheap
// to fill from a parsed head, to look up in, to mutate and to serialise back to HTTP/1.1.
import type { MutableHeaders } from "../router/header-mutation.js";
import type { HeaderSource } from "../router/request-view.js";

export class HeaderList implements MutableHeaders, HeaderSource {
  names: string[] = [];
  values: string[] = [];
  /** Counts changes (pushes included): equal counts mean an unchanged list. */
  edits = 0;

  get length(): number {
    return this.names.length;
  }

  /** First value, or all values joined with "," when repeated (Envoy's matching view). */
  get(name: string): string | undefined {
    let out: string | undefined;
    const n = this.names;
    for (let i = 0; i < n.length; i++) {
      if (n[i] === name) out = out === undefined ? this.values[i] : `${out},${this.values[i] as string}`;
    }
    return out;
  }

  has(name: string): boolean {
    return this.names.indexOf(name) >= 0;
  }

  push(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
    this.edits++;
  }

  append(name: string, value: string): void {
    this.push(name, value);
  }

  set(name: string, value: string): void {
    const i = this.names.indexOf(name);
    if (i < 0) { this.push(name, value); return; }
    this.values[i] = value;
    this.edits++;
    for (let j = this.names.length - 1; j > i; j--) if (this.names[j] === name) this.removeAt(j);
  }

  remove(name: string): void {
    for (let j = this.names.length - 1; j >= 0; j--) if (this.names[j] === name) this.removeAt(j);
  }

  removeAt(i: number): void {
    this.names.splice(i, 1);
    this.values.splice(i, 1);
    this.edits++;
  }

  /** "name: value\r\n" lines. */
  serialize(): string {
    let s = "";
    const n = this.names;
    for (let i = 0; i < n.length; i++) s += `${n[i] as string}: ${this.values[i] as string}\r\n`;
    return s;
  }

  toRecord(): Record<string, string> {
    const r: Record<string, string> = {};
    for (let i = 0; i < this.names.length; i++) {
      const k = this.names[i] as string;
      r[k] = r[k] === undefined ? (this.values[i] as string) : `${r[k]},${this.values[i] as string}`;
    }
    return r;
  }
}
