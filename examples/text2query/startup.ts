import { createServer } from "node:net";

// What `npm start` checks before it loads the rest: the environment, the port. Kept light (no LangChain, no
// OpenTelemetry SDK) so a bad setting is reported in a fraction of a second.

export const env = (name: string) => (process.env[name]?.trim() ? process.env[name]!.trim() : undefined);
export const list = (name: string) => env(name)?.split(",").map((s) => s.trim()).filter(Boolean);

/** A start that cannot go on: one line on stderr saying what to change, exit 1 (no stack to read through). */
export function fail(message: string): never {
  console.error(`text2query: ${message}`);
  process.exit(1);
}

/** An integer from the environment, or a startup error naming the variable. */
export function intEnv(name: string): number | undefined {
  const text = env(name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) fail(`${name}=${JSON.stringify(text)}: expected a positive integer`);
  return Number(text);
}

/** What to change when the server cannot listen, in one line. */
export function listenProblem(error: NodeJS.ErrnoException, port: number, host: string): string {
  if (error.code === "EADDRINUSE") return `port ${port} on ${host} is already in use (another text2query, or another program): stop it, or choose another port with PORT=<port>`;
  if (error.code === "EACCES") return `port ${port} on ${host} needs privileges this user lacks: choose a port above 1023 with PORT=<port>`;
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") return `HOST=${host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1, 0.0.0.0)`;
  return `cannot listen on ${host}:${port} (${error.code ?? error.message}): check PORT and HOST`;
}

/** Binds the port and lets it go: a busy port is reported before the database is opened or seeded. */
export async function probePort(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => fail(listenProblem(error, port, host)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
