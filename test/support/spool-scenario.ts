/**
 * An outage with a kill in the middle, against loopback Langfuse and OTLP receivers, for the spool test and
 * bench/spool.ts: a child process (spool-child.ts) runs a traced workflow at a steady rate; the receivers go
 * down (Langfuse refuses connections, the collector answers 500); the child is killed (SIGKILL) in the middle
 * of the outage and started again on the same spool directory; the receivers come back; the restarted child
 * runs until everything it can deliver has arrived, then stops (SIGTERM). Optionally a control child runs
 * the same workload at the same time against receivers that never go down (for paired latencies).
 */
import { fork, type ChildProcess } from "node:child_process";
import { copyFileSync, readdirSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeTraces, LoopbackReceiver } from "./otlp-receiver.js";
import type { SpoolChildConfig, SpoolChildReport } from "./spool-child.js";

const LANGFUSE_TRACES = "/api/public/otel/v1/traces";
const CHILD = fileURLToPath(new URL("./spool-child.ts", import.meta.url));

export interface OutageScenario {
  /** Healthy traffic before the outage. */
  beforeMs: number;
  outageMs: number;
  /** When, from the start of the outage, the first child is killed. */
  killAtMs: number;
  /** Runs started per second. */
  rate: number;
  /** Undefined: no spool (today's behaviour). */
  spoolDir: string | undefined;
  maxBytes: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
  /** How long to wait after the outage for the backlog to arrive. */
  drainTimeoutMs: number;
  /** Run a control child at the same time against receivers that stay up. */
  control: boolean;
  /** After the kill, leave a truncated copy of a spooled request for the restarted process to find. */
  plantTruncated: boolean;
}

export interface BackendOutcome {
  /** Distinct spans accepted. */
  delivered: number;
  /** Spans accepted more than once (a replayed request the backend had already taken). */
  duplicates: number;
  /** Spans of the first process that ended more than one second before the kill and never arrived. */
  missingBeforeKill: string[];
  /** How long before the kill the earliest span of the first process that never arrived ended (ms). */
  lostUpToMsBeforeKill: number;
}

export interface OutageResult {
  /** Spans ended (reported by the children), first process, restarted process. */
  ended: { first: number; second: number };
  /** Spans of the first process that ended within the last second before the kill. */
  endedLastSecond: number;
  /** Of those, how many arrived at each backend. */
  lastSecondDelivered: { langfuse: number; otlp: number };
  langfuse: BackendOutcome;
  otlp: BackendOutcome;
  /** Spans ended that arrived nowhere, per backend (whatever the time). */
  lost: { langfuse: number; otlp: number };
  peakSpoolBytes: number;
  /**
   * Workflow latencies (ms) of the runs started in each window, of the process under test and of the control
   * (same workload, same moments, receivers that stay up): before the outage; in the outage until the kill (the
   * first process); in the outage after the restart; from the recovery until everything arrived (the replay).
   */
  latency: Record<"healthy" | "outage" | "restarted" | "replay", { subject: number[]; control: number[] }>;
  stats: { firstAtKill: unknown; second: unknown };
  /** The longest a timer of the first process ran late (ms): past `scheduledDelayMs`, the last moment is longer. */
  firstLoopDelayMaxMs: number;
  msFromRecoveryToDelivered: number;
}

interface Child {
  process: ChildProcess;
  ended: Map<string, number>;
  runs: Array<[number, number]>;
  lastStats: unknown;
  loopDelayMaxMs: number;
  stopped: Promise<unknown>;
}

function startChild(config: SpoolChildConfig): Promise<Child> {
  const proc = fork(CHILD, [], { execArgv: ["--import", "tsx"], env: { ...process.env, SPOOL_CHILD: JSON.stringify(config) }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const child: Child = { process: proc, ended: new Map(), runs: [], lastStats: undefined, loopDelayMaxMs: 0, stopped: Promise.resolve() };
  let onStopped: (stats: unknown) => void = () => undefined;
  child.stopped = new Promise((resolve) => (onStopped = resolve));
  return new Promise((resolve, reject) => {
    proc.on("message", (m: SpoolChildReport) => {
      if (m.kind === "ready") resolve(child);
      else if (m.kind === "progress") {
        for (const [id, end] of m.ended) child.ended.set(id, end);
        child.runs.push(...m.runs);
        child.lastStats = m.stats;
        child.loopDelayMaxMs = m.loopDelayMaxMs;
      } else if (m.kind === "stopped") {
        child.lastStats = m.stats;
        onStopped(m.stats);
      }
    });
    proc.on("exit", (code, signal) => {
      onStopped(child.lastStats);
      reject(new Error(`child exited before it was ready (${code ?? signal})`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes of every file under `dir`, finished or being written. */
export function bytesOnDisk(dir: string): number {
  let total = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      try {
        total += statSync(join(e.parentPath, e.name)).size;
      } catch {
        // removed between the listing and the stat
      }
    }
  } catch {
    // not created yet
  }
  return total;
}

/** A truncated copy of the newest spooled request, under a name of its own (as a power loss could leave). */
function plantTruncated(dir: string): void {
  const newest = readdirSync(dir).filter((n) => n.endsWith(".req")).sort().pop();
  if (newest === undefined) throw new Error(`nothing spooled in ${dir} to truncate`);
  const copy = newest.replace(/^(\d{13})-\d{9}-/, "$1-999999999-");
  copyFileSync(join(dir, newest), join(dir, copy));
  truncateSync(join(dir, copy), Math.floor(statSync(join(dir, copy)).size / 2));
}

/**
 * Span id → times accepted, over the requests the receiver answered 2xx, decoding each request once: the
 * parent polls while the backlog arrives, and decoding everything again each time would starve the receivers.
 */
class Accepted {
  readonly counts = new Map<string, number>();
  private seen = 0;
  constructor(
    private readonly receiver: LoopbackReceiver,
    private readonly path: string,
  ) {}

  update(): Map<string, number> {
    const requests = this.receiver.requests;
    for (; this.seen < requests.length; this.seen++) {
      const r = requests[this.seen]!;
      if (r.path !== this.path || r.status === undefined || r.status >= 300) continue;
      for (const s of decodeTraces(r.body, String(r.headers["content-type"] ?? ""))) this.counts.set(s.spanId, (this.counts.get(s.spanId) ?? 0) + 1);
    }
    return this.counts;
  }
}

export async function runOutage(s: OutageScenario): Promise<OutageResult> {
  const langfuse = await new LoopbackReceiver().start();
  const otlp = await new LoopbackReceiver().start();
  const control = s.control ? { langfuse: await new LoopbackReceiver().start(), otlp: await new LoopbackReceiver().start() } : undefined;
  const config = (l: LoopbackReceiver, o: LoopbackReceiver, spoolDir: string | undefined): SpoolChildConfig => ({
    langfuseUrl: l.url,
    otlpUrl: o.url,
    spoolDir,
    maxBytes: s.maxBytes,
    rate: s.rate,
    scheduledDelayMs: s.scheduledDelayMs,
    exportTimeoutMs: s.exportTimeoutMs,
  });
  let peak = 0;
  const sampler = s.spoolDir !== undefined ? setInterval(() => (peak = Math.max(peak, bytesOnDisk(s.spoolDir!))), 25) : undefined;
  try {
    const controlChild = control && (await startChild(config(control.langfuse, control.otlp, undefined)));
    const first = await startChild(config(langfuse, otlp, s.spoolDir));
    await sleep(s.beforeMs);

    const outageStart = Date.now();
    await langfuse.refuse();
    otlp.mode = "fail";
    await sleep(s.killAtMs);
    const firstAtKill = first.lastStats;
    const exited = new Promise((r) => first.process.on("exit", r));
    first.process.kill("SIGKILL");
    const killedAt = Date.now();
    await exited;
    if (s.plantTruncated && s.spoolDir !== undefined) plantTruncated(join(s.spoolDir, "otlp_traces"));
    const second = await startChild(config(langfuse, otlp, s.spoolDir));
    await sleep(Math.max(0, s.outageMs - (Date.now() - outageStart)));
    const outageEnd = Date.now();
    await langfuse.accept();
    otlp.mode = "ok";

    // Everything the first process should have kept, and what the second ended so far, must arrive.
    const expected = [...first.ended].filter(([, end]) => end < killedAt - 1000).map(([id]) => id);
    const deadline = Date.now() + s.drainTimeoutMs;
    const tally = { langfuse: new Accepted(langfuse, LANGFUSE_TRACES), otlp: new Accepted(otlp, "/v1/traces") };
    const arrivedAll = (ids: Iterable<string>) => {
      const [l, o] = [tally.langfuse.update(), tally.otlp.update()];
      for (const id of ids) if (!l.has(id) || !o.has(id)) return false;
      return true;
    };
    let delivered = false;
    while (Date.now() < deadline) {
      if (arrivedAll(expected) && arrivedAll([...second.ended].filter(([, end]) => end < outageEnd).map(([id]) => id))) {
        delivered = true;
        break;
      }
      await sleep(100);
    }
    const deliveredAt = Date.now();
    const msFromRecoveryToDelivered = delivered ? deliveredAt - outageEnd : Number.NaN;
    second.process.kill("SIGTERM");
    if (controlChild) controlChild.process.kill("SIGTERM");
    const secondStats = await second.stopped;
    if (controlChild) await controlChild.stopped;
    await sleep(100);

    const outcome = (counts: Map<string, number>): BackendOutcome => {
      return {
        delivered: counts.size,
        duplicates: [...counts.values()].reduce((sum, n) => sum + n - 1, 0),
        missingBeforeKill: expected.filter((id) => !counts.has(id)),
        lostUpToMsBeforeKill: Math.max(0, ...[...first.ended].filter(([id]) => !counts.has(id)).map(([, end]) => killedAt - end)),
      };
    };
    const lastSecond = [...first.ended].filter(([, end]) => end >= killedAt - 1000).map(([id]) => id);
    const [l, o] = [tally.langfuse.update(), tally.otlp.update()];
    const all = [...first.ended.keys(), ...second.ended.keys()];
    const inWindow = (runs: Array<[number, number]>, from: number, to: number) => runs.filter(([start]) => start >= from && start < to).map(([, ms]) => ms);
    const window = (subject: Child, from: number, to: number) => ({ subject: inWindow(subject.runs, from, to), control: controlChild ? inWindow(controlChild.runs, from, to) : [] });
    return {
      ended: { first: first.ended.size, second: second.ended.size },
      endedLastSecond: lastSecond.length,
      lastSecondDelivered: { langfuse: lastSecond.filter((id) => l.has(id)).length, otlp: lastSecond.filter((id) => o.has(id)).length },
      langfuse: outcome(l),
      otlp: outcome(o),
      lost: { langfuse: all.filter((id) => !l.has(id)).length, otlp: all.filter((id) => !o.has(id)).length },
      peakSpoolBytes: peak,
      latency: {
        healthy: window(first, outageStart - s.beforeMs, outageStart),
        outage: window(first, outageStart, killedAt),
        restarted: window(second, killedAt, outageEnd),
        replay: window(second, outageEnd, deliveredAt),
      },
      stats: { firstAtKill, second: secondStats },
      firstLoopDelayMaxMs: first.loopDelayMaxMs,
      msFromRecoveryToDelivered,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    for (const r of [langfuse, otlp, control?.langfuse, control?.otlp]) await r?.stop();
  }
}
