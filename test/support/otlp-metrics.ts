/**
 * Decoding OTLP metrics requests (opentelemetry/proto/collector/metrics/v1) as a collector receives them:
 * protobuf or JSON, into one flat list of data points.
 */

/** One data point as it arrived on the wire. */
export interface WirePoint {
  metric: string;
  unit: string;
  kind: "histogram" | "sum" | "gauge";
  attributes: Record<string, unknown>;
  /** Histograms. */
  count: number;
  sum: number;
  bucketCounts: number[];
  bounds: number[];
  /** Sums and gauges. */
  value: number;
  resource: Record<string, unknown>;
  scope: string;
}

export function decodeMetrics(body: Buffer, contentType: string): WirePoint[] {
  return contentType.includes("protobuf") ? decodeProtobuf(body) : decodeJson(JSON.parse(body.toString("utf8")));
}

// ---------------------------------------------------------------- JSON

type JsonAny = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: JsonAny[] } };

function jsonValue(v: JsonAny | undefined): unknown {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(jsonValue);
  return undefined;
}

function jsonAttributes(list: Array<{ key: string; value: JsonAny }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

function decodeJson(request: any): WirePoint[] {
  const out: WirePoint[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    const resource = jsonAttributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const base = { metric: m.name as string, unit: (m.unit ?? "") as string, resource, scope: sm.scope?.name ?? "" };
        for (const p of m.histogram?.dataPoints ?? []) {
          out.push({ ...base, kind: "histogram", attributes: jsonAttributes(p.attributes), count: Number(p.count ?? 0), sum: Number(p.sum ?? 0), bucketCounts: (p.bucketCounts ?? []).map(Number), bounds: (p.explicitBounds ?? []).map(Number), value: NaN });
        }
        for (const [kind, data] of [["sum", m.sum], ["gauge", m.gauge]] as const) {
          for (const p of data?.dataPoints ?? []) {
            out.push({ ...base, kind, attributes: jsonAttributes(p.attributes), count: NaN, sum: NaN, bucketCounts: [], bounds: [], value: p.asInt !== undefined ? Number(p.asInt) : Number(p.asDouble ?? 0) });
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- protobuf

type Field = { wire: number; varint?: bigint; bytes?: Buffer };

function fields(buf: Buffer): Map<number, Field[]> {
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

const str = (f: Field[] | undefined) => (f?.[0]?.bytes ? f[0].bytes.toString("utf8") : "");
const sub = (f: Field[] | undefined) => (f?.[0]?.bytes ? fields(f[0].bytes) : new Map<number, Field[]>());
const fixed64 = (f: Field[] | undefined) => (f?.[0]?.bytes ? Number(f[0].bytes.readBigUInt64LE(0)) : 0);
const double = (f: Field[] | undefined) => (f?.[0]?.bytes ? f[0].bytes.readDoubleLE(0) : 0);

/** A repeated fixed64/double field, packed (one length-delimited field) or not. */
function repeated64(list: Field[] | undefined, read: (b: Buffer, at: number) => number): number[] {
  const out: number[] = [];
  for (const f of list ?? []) for (let at = 0; at + 8 <= f.bytes!.length; at += 8) out.push(read(f.bytes!, at));
  return out;
}

function anyValue(buf: Buffer): unknown {
  const f = fields(buf);
  if (f.has(1)) return str(f.get(1));
  if (f.has(2)) return f.get(2)![0]!.varint !== 0n;
  if (f.has(3)) return Number(BigInt.asIntN(64, f.get(3)![0]!.varint!));
  if (f.has(4)) return f.get(4)![0]!.bytes!.readDoubleLE(0);
  return undefined;
}

function keyValues(list: Field[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const f = fields(kv.bytes!);
    out[str(f.get(1))] = f.has(2) ? anyValue(f.get(2)![0]!.bytes!) : undefined;
  }
  return out;
}

function decodeProtobuf(body: Buffer): WirePoint[] {
  const out: WirePoint[] = [];
  for (const rm of fields(body).get(1) ?? []) {
    const rmf = fields(rm.bytes!);
    const resource = keyValues(sub(rmf.get(1)).get(1));
    for (const sm of rmf.get(2) ?? []) {
      const smf = fields(sm.bytes!);
      const scope = str(sub(smf.get(1)).get(1));
      for (const mf of smf.get(2) ?? []) {
        const m = fields(mf.bytes!);
        const base = { metric: str(m.get(1)), unit: str(m.get(3)), resource, scope };
        // Histogram (9): HistogramDataPoint (1): attributes 9, count 4, sum 5, bucket_counts 6, explicit_bounds 7.
        for (const p of sub(m.get(9)).get(1) ?? []) {
          const pf = fields(p.bytes!);
          out.push({
            ...base,
            kind: "histogram",
            attributes: keyValues(pf.get(9)),
            count: fixed64(pf.get(4)),
            sum: double(pf.get(5)),
            bucketCounts: repeated64(pf.get(6), (b, at) => Number(b.readBigUInt64LE(at))),
            bounds: repeated64(pf.get(7), (b, at) => b.readDoubleLE(at)),
            value: NaN,
          });
        }
        // Sum (7) and Gauge (5): NumberDataPoint (1): attributes 7, as_double 4, as_int 6.
        for (const [kind, no] of [["sum", 7], ["gauge", 5]] as const) {
          for (const p of sub(m.get(no)).get(1) ?? []) {
            const pf = fields(p.bytes!);
            const value = pf.has(6) ? Number(pf.get(6)![0]!.bytes!.readBigInt64LE(0)) : double(pf.get(4));
            out.push({ ...base, kind, attributes: keyValues(pf.get(7)), count: NaN, sum: NaN, bucketCounts: [], bounds: [], value });
          }
        }
      }
    }
  }
  return out;
}
