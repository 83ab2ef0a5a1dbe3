/**
 * Decoding OTLP logs requests (opentelemetry/proto/collector/logs/v1) as a collector receives them: protobuf
 * or JSON, into one flat list of log records.
 */
import { anyValue, fields, jsonAttributes, jsonValue, keyValues, str, type Field, type JsonAny } from "./otlp-wire.js";

/** One log record as it arrived on the wire. */
export interface WireLogRecord {
  body: unknown;
  severityNumber: number;
  severityText: string;
  attributes: Record<string, unknown>;
  /** Hex, or undefined when the record carries none. */
  traceId: string | undefined;
  spanId: string | undefined;
  scope: string;
  resource: Record<string, unknown>;
}

export function decodeLogs(body: Buffer, contentType: string): WireLogRecord[] {
  return contentType.includes("protobuf") ? decodeProtobuf(body) : decodeJson(JSON.parse(body.toString("utf8")));
}

function decodeJson(request: any): WireLogRecord[] {
  const out: WireLogRecord[] = [];
  const id = (v: string | undefined) => (v ? v.toLowerCase() : undefined);
  for (const rl of request.resourceLogs ?? []) {
    const resource = jsonAttributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        out.push({
          body: jsonValue(r.body as JsonAny | undefined),
          severityNumber: r.severityNumber ?? 0,
          severityText: r.severityText ?? "",
          attributes: jsonAttributes(r.attributes),
          traceId: id(r.traceId),
          spanId: id(r.spanId),
          scope: sl.scope?.name ?? "",
          resource,
        });
      }
    }
  }
  return out;
}

const hex = (f: Field[] | undefined) => (f?.[0]?.bytes && f[0].bytes.length > 0 ? f[0].bytes.toString("hex") : undefined);

function decodeProtobuf(body: Buffer): WireLogRecord[] {
  const out: WireLogRecord[] = [];
  for (const rl of fields(body).get(1) ?? []) {
    const rlf = fields(rl.bytes!);
    const resource = rlf.has(1) ? keyValues(fields(rlf.get(1)![0]!.bytes!).get(1)) : {};
    for (const sl of rlf.get(2) ?? []) {
      const slf = fields(sl.bytes!);
      const scope = slf.has(1) ? str(fields(slf.get(1)![0]!.bytes!).get(1)) : "";
      for (const lr of slf.get(2) ?? []) {
        // LogRecord: 2 severity_number, 3 severity_text, 5 body, 6 attributes, 9 trace_id, 10 span_id.
        const r = fields(lr.bytes!);
        out.push({
          body: r.has(5) ? anyValue(r.get(5)![0]!.bytes!) : undefined,
          severityNumber: Number(r.get(2)?.[0]?.varint ?? 0n),
          severityText: str(r.get(3)),
          attributes: keyValues(r.get(6)),
          traceId: hex(r.get(9)),
          spanId: hex(r.get(10)),
          scope,
          resource,
        });
      }
    }
  }
  return out;
}
