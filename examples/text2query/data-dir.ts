import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

/** A start that cannot go on, with one line saying why and what to change (main.ts prints it, no stack). */
export class StartupError extends Error {
  override name = "StartupError";
}

/** The lock file inside DATA_DIR: PGlite opened twice on one directory corrupts it. */
export const LOCK_FILE = "text2query.lock";
/** A holder on another host (container) refreshes its lock this often; one not refreshed for 3 periods is stale. */
const HEARTBEAT_MS = 10_000;

/** Creates DATA_DIR if needed and checks that this user can write it, or says how to fix it. */
export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.write-test-${process.pid}`);
    closeSync(openSync(probe, "w"));
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    const uid = typeof process.getuid === "function" ? ` (uid ${process.getuid()})` : "";
    throw new StartupError(
      `DATA_DIR=${resolve(dir)} cannot be created or written (${code}): set DATA_DIR to a directory this user${uid} can write, or give it that user (chown, or a writable volume)`,
    );
  }
}

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** Whether the process that wrote `info` may still hold DATA_DIR. */
function holderAlive(info: LockInfo, path: string): boolean {
  if (info.host !== hostname()) {
    // Another host or container: its pid means nothing here, its heartbeat does.
    return Date.now() - statSync(path).mtimeMs < 3 * HEARTBEAT_MS;
  }
  // Our own pid in a lock we have not taken yet: a container restarted (pid 1 again); the old one is gone.
  if (info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes DATA_DIR for this process: a lock file with pid, host and start time, created exclusively. A lock
 * whose process is gone (same host) or whose heartbeat stopped (another host) is stale and taken over; a live
 * one refuses the start with who holds it. `release()` removes the lock (on shutdown).
 */
export function lockDataDir(dir: string, onStale?: (info: LockInfo) => void): { release(): void } {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${JSON.stringify(mine)}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
    }
    let held: LockInfo | undefined;
    try {
      held = JSON.parse(readFileSync(path, "utf8")) as LockInfo;
    } catch {
      held = undefined; // unreadable or half-written by a process that died while writing it: stale
    }
    if (held !== undefined && holderAlive(held, path)) {
      throw new StartupError(
        `DATA_DIR=${resolve(dir)} is in use by another text2query process (pid ${held.pid} on ${held.host}, since ${held.since}): stop it, or give this one its own DATA_DIR (two processes on one PGlite directory would corrupt it)`,
      );
    }
    if (held !== undefined) onStale?.(held);
    rmSync(path, { force: true });
  }
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The next start decides on the pid; a missed heartbeat only matters across hosts.
    }
  }, HEARTBEAT_MS).unref();
  return {
    release() {
      clearInterval(heartbeat);
      try {
        if ((JSON.parse(readFileSync(path, "utf8")) as LockInfo).pid === process.pid) rmSync(path, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
