/**
 * Decoding OTLP metrics requests (opentelemetry/proto/collector/metrics/v1) as a collector receives them:
 * protobuf or JSON, into one flat list of data points.
 */
import { anyValue, fields, jsonAttributes, keyValues, str, type Field } from "./otlp-wire.js";

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

const sub = (f: Field[] | undefined) => (f?.[0]?.bytes ? fields(f[0].bytes) : new Map<number, Field[]>());
const fixed64 = (f: Field[] | undefined) => (f?.[0]?.bytes ? Number(f[0].bytes.readBigUInt64LE(0)) : 0);
const double = (f: Field[] | undefined) => (f?.[0]?.bytes ? f[0].bytes.readDoubleLE(0) : 0);

/** A repeated fixed64/double field, packed (one length-delimited field) or not. */
function repeated64(list: Field[] | undefined, read: (b: Buffer, at: number) => number): number[] {
  const out: number[] = [];
  for (const f of list ?? []) for (let at = 0; at + 8 <= f.bytes!.length; at += 8) out.push(read(f.bytes!, at));
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
