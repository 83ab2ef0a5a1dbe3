import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { decodeLogs, type WireLogRecord } from "./otlp-logs.js";
import { anyValue, fields, jsonAttributes, keyValues, str, type Field, type JsonAny } from "./otlp-wire.js";

/** A span as it arrived on the wire, decoded from OTLP protobuf or JSON. */
export interface WireSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  /** Keys whose value arrived as an OTLP intValue (an integer attribute, not a double). */
  intAttributes: string[];
  status: { code: number; message: string };
  scope: string;
  resource: Record<string, unknown>;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The status it was answered with; undefined while (or because) the receiver hangs. */
  status?: number;
}

export type ReceiverMode = "ok" | "fail" | "hang";

/**
 * A loopback HTTP server standing in for an OTLP collector or Langfuse: it records every request (OTLP traces,
 * Langfuse's ingestion API) and answers as `mode` says: 200, 500, or never (the socket is held open).
 */
export class LoopbackReceiver {
  readonly requests: ReceivedRequest[] = [];
  mode: ReceiverMode = "ok";
  /** Responses sent so far (a hanging receiver sends none). */
  answered = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  url = "";

  async start(mode: ReceiverMode = "ok", port = 0): Promise<this> {
    this.mode = mode;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const request: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
        this.requests.push(request);
        if (this.mode === "hang") return;
        this.answered++;
        if (this.mode === "fail") {
          request.status = 500;
          res.writeHead(500, { "content-type": "application/json" }).end('{"message":"internal error"}');
        } else if ((req.url ?? "").startsWith("/api/public/ingestion")) {
          request.status = 207;
          res.writeHead(207, { "content-type": "application/json" }).end('{"successes":[],"errors":[]}');
        } else {
          request.status = 200;
          res.writeHead(200, { "content-type": String(req.headers["content-type"] ?? "application/json") }).end();
        }
      });
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Stops listening (connections to its port are refused) and cuts the open ones, keeping what it received. */
  async refuse(): Promise<void> {
    await this.stop();
    this.server = undefined;
  }

  /** Listens again on the same port after `refuse()`. */
  async accept(mode: ReceiverMode = "ok"): Promise<void> {
    await this.start(mode, Number(new URL(this.url).port));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Every span received on `path` (only those of requests it accepted, with `accepted`), decoded by the request's content type. */
  spans(path: string, accepted = false): WireSpan[] {
    return this.requests.filter((r) => r.path === path && (!accepted || (r.status !== undefined && r.status < 300))).flatMap((r) => decodeTraces(r.body, String(r.headers["content-type"] ?? "")));
  }

  /** Every log record received on `path`, decoded by the request's content type. */
  logRecords(path = "/v1/logs"): WireLogRecord[] {
    return this.requests.filter((r) => r.path === path).flatMap((r) => decodeLogs(r.body, String(r.headers["content-type"] ?? "")));
  }

  /** Every Langfuse ingestion event received (`score-create`, …). */
  ingestionEvents(): Array<{ type: string; body: Record<string, unknown> }> {
    return this.requests.filter((r) => r.path === "/api/public/ingestion").flatMap((r) => (JSON.parse(r.body.toString("utf8")) as { batch: Array<{ type: string; body: Record<string, unknown> }> }).batch);
  }
}

/** A URL on which nothing listens: connections are refused. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export function decodeTraces(body: Buffer, contentType: string): WireSpan[] {
  return contentType.includes("protobuf") ? decodeProtobufTraces(body) : decodeJsonTraces(JSON.parse(body.toString("utf8")));
}

// ---------------------------------------------------------------- OTLP JSON

function jsonId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, "base64").toString("hex");
}

function decodeJsonTraces(request: any): WireSpan[] {
  const out: WireSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: jsonId(s.traceId)!,
          spanId: jsonId(s.spanId)!,
          parentSpanId: jsonId(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          attributes: jsonAttributes(s.attributes),
          intAttributes: (s.attributes ?? []).filter((kv: { value?: JsonAny }) => kv.value?.intValue !== undefined).map((kv: { key: string }) => kv.key),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
          scope: ss.scope?.name ?? "",
          resource,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- OTLP protobuf (opentelemetry/proto/collector/trace/v1)

const hex = (f: Field[] | undefined) => (f?.[0]?.bytes && f[0].bytes.length > 0 ? f[0].bytes.toString("hex") : undefined);
const num = (f: Field[] | undefined) => Number(f?.[0]?.varint ?? 0n);

/** The keys of a KeyValue list whose AnyValue is field 3 (int_value). */
function intKeys(list: Field[] | undefined): string[] {
  const out: string[] = [];
  for (const kv of list ?? []) {
    const f = fields(kv.bytes!);
    if (f.has(2) && fields(f.get(2)![0]!.bytes!).has(3)) out.push(str(f.get(1)));
  }
  return out;
}

function decodeProtobufTraces(body: Buffer): WireSpan[] {
  const out: WireSpan[] = [];
  for (const rs of fields(body).get(1) ?? []) {
    const rsf = fields(rs.bytes!);
    const resource = rsf.has(1) ? keyValues(fields(rsf.get(1)![0]!.bytes!).get(1)) : {};
    for (const ss of rsf.get(2) ?? []) {
      const ssf = fields(ss.bytes!);
      const scope = ssf.has(1) ? str(fields(ssf.get(1)![0]!.bytes!).get(1)) : "";
      for (const sp of ssf.get(2) ?? []) {
        const s = fields(sp.bytes!);
        const status = s.has(15) ? fields(s.get(15)![0]!.bytes!) : new Map<number, Field[]>();
        out.push({
          traceId: hex(s.get(1))!,
          spanId: hex(s.get(2))!,
          parentSpanId: hex(s.get(4)),
          name: str(s.get(5)),
          kind: num(s.get(6)),
          attributes: keyValues(s.get(9)),
          intAttributes: intKeys(s.get(9)),
          status: { code: num(status.get(3)), message: str(status.get(2)) },
          scope,
          resource,
        });
      }
    }
  }
  return out;
}
