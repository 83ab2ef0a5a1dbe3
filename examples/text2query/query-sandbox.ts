import type { QueryResult } from "./database.js";

/**
 * Where model-written SQL runs, apart from the service's own tables: a connection that can only read the
 * shop's tables. `query` runs exactly one statement through the extended protocol (the server refuses a
 * second one) in a READ ONLY transaction that is rolled back, and ends it after `timeoutMs`.
 */
export interface QuerySandbox {
  query(sql: string, timeoutMs: number): Promise<QueryResult>;
  close(): Promise<void>;
}
