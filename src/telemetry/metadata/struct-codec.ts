// google.protobuf.Struct in protobuf wire format, as Istio's metadata exchange carries it in
// x-envoy-peer-metadata (base64). Only the value kinds node metadata uses are supported:
// strings, numbers, bools, nested structs and lists. Decoding never throws on bad input: it
// returns null.

export type StructValue = string | number | boolean | null | StructObject | StructValue[];
export interface StructObject { [key: string]: StructValue }

function varint(n: number, out: number[]): void {
  let v = n >>> 0;
  while (v > 0x7f) { out.push((v & 0x7f) | 0x80); v >>>= 7; }
  out.push(v);
}

function lenField(field: number, body: Uint8Array, out: number[]): void {
  varint((field << 3) | 2, out);
  varint(body.length, out);
  for (const b of body) out.push(b);
}

function encodeValue(v: StructValue): Uint8Array {
  const out: number[] = [];
  if (v === null) { varint((1 << 3) | 0, out); varint(0, out); }
  else if (typeof v === "number") {
    varint((2 << 3) | 1, out);
    const b = Buffer.alloc(8); b.writeDoubleLE(v); for (const x of b) out.push(x);
  } else if (typeof v === "string") lenField(3, Buffer.from(v, "utf8"), out);
  else if (typeof v === "boolean") { varint((4 << 3) | 0, out); varint(v ? 1 : 0, out); }
  else if (Array.isArray(v)) {
    const list: number[] = [];
    for (const item of v) lenField(1, encodeValue(item), list);
    lenField(6, Uint8Array.from(list), out);
  } else lenField(5, encodeStruct(v), out);
  return Uint8Array.from(out);
}

export function encodeStruct(o: StructObject): Uint8Array {
  const out: number[] = [];
  for (const [k, v] of Object.entries(o)) {
    const entry: number[] = [];
    lenField(1, Buffer.from(k, "utf8"), entry);
    lenField(2, encodeValue(v), entry);
    lenField(1, Uint8Array.from(entry), out);
  }
  return Uint8Array.from(out);
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end: number = buf.length) {}
  varint(): number {
    let v = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError("truncated varint");
      const b = this.buf[this.pos++] as number;
      if (shift < 32) v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return v;
    }
    throw new RangeError("varint too long");
  }
  bytes(): Reader {
    const n = this.varint();
    if (this.pos + n > this.end) throw new RangeError("truncated field");
    const r = new Reader(this.buf, this.pos + n);
    r.pos = this.pos;
    this.pos += n;
    return r;
  }
  string(): string {
    const r = this.bytes();
    return this.buf.toString("utf8", r.pos, r.end);
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError("truncated field");
  }
  get done(): boolean { return this.pos >= this.end; }
}

function readValue(r: Reader): StructValue {
  let v: StructValue = null;
  while (!r.done) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 0) { r.varint(); v = null; }
    else if (field === 2 && wire === 1) {
      if (r.pos + 8 > r.end) throw new RangeError("truncated double");
      v = r.buf.readDoubleLE(r.pos); r.pos += 8;
    } else if (field === 3 && wire === 2) v = r.string();
    else if (field === 4 && wire === 0) v = r.varint() !== 0;
    else if (field === 5 && wire === 2) v = readStruct(r.bytes());
    else if (field === 6 && wire === 2) {
      const lr = r.bytes();
      const list: StructValue[] = [];
      while (!lr.done) {
        const t = lr.varint();
        if (t === ((1 << 3) | 2)) list.push(readValue(lr.bytes())); else lr.skip(t & 7);
      }
      v = list;
    } else r.skip(wire);
  }
  return v;
}

function readStruct(r: Reader): StructObject {
  const o: StructObject = {};
  while (!r.done) {
    const tag = r.varint();
    if (tag !== ((1 << 3) | 2)) { r.skip(tag & 7); continue; }
    const er = r.bytes();
    let key = "";
    let value: StructValue = null;
    while (!er.done) {
      const t = er.varint();
      if (t === ((1 << 3) | 2)) key = er.string();
      else if (t === ((2 << 3) | 2)) value = readValue(er.bytes());
      else er.skip(t & 7);
    }
    o[key] = value;
  }
  return o;
}

/** Decodes a serialized Struct; null when the bytes are not one. */
export function decodeStruct(bytes: Buffer): StructObject | null {
  try {
    return readStruct(new Reader(bytes));
  } catch {
    return null;
  }
}
