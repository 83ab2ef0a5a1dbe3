/** Decoding of OTLP payloads, JSON and protobuf, shared by the test receivers of traces and metrics. */

// ---------------------------------------------------------------- OTLP JSON

export type JsonAny = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: JsonAny[] } };

export function jsonValue(v: JsonAny | undefined): unknown {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(jsonValue);
  return undefined;
}

export function jsonAttributes(list: Array<{ key: string; value: JsonAny }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

// ---------------------------------------------------------------- protobuf

export type Field = { wire: number; varint?: bigint; bytes?: Buffer };

/** Splits one protobuf message into its fields (field number → occurrences). */
export function fields(buf: Buffer): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    let field: Field;
    if (wire === 0) field = { wire, varint: varint() };
    else if (wire === 1) field = { wire, bytes: buf.subarray(pos, (pos += 8)) };
    else if (wire === 5) field = { wire, bytes: buf.subarray(pos, (pos += 4)) };
    else if (wire === 2) {
      const len = Number(varint());
      field = { wire, bytes: buf.subarray(pos, (pos += len)) };
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    const list = out.get(no) ?? [];
    list.push(field);
    out.set(no, list);
  }
  return out;
}

export const str = (f: Field[] | undefined) => (f?.[0]?.bytes ? f[0].bytes.toString("utf8") : "");

/** An OTLP AnyValue: string, bool, int, double or array. */
export function anyValue(buf: Buffer): unknown {
  const f = fields(buf);
  if (f.has(1)) return str(f.get(1));
  if (f.has(2)) return f.get(2)![0]!.varint !== 0n;
  if (f.has(3)) return Number(BigInt.asIntN(64, f.get(3)![0]!.varint!));
  if (f.has(4)) return f.get(4)![0]!.bytes!.readDoubleLE(0);
  if (f.has(5)) return (fields(f.get(5)![0]!.bytes!).get(1) ?? []).map((v) => anyValue(v.bytes!));
  return undefined;
}

/** A KeyValue list as an object. */
export function keyValues(list: Field[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const f = fields(kv.bytes!);
    out[str(f.get(1))] = f.has(2) ? anyValue(f.get(2)![0]!.bytes!) : undefined;
  }
  return out;
}
