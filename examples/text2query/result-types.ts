import pg from "pg";

/** PostgreSQL type oids whose JavaScript form differs between `pg` and PGlite; both read them as text. */
export const OID = { int8: 20, date: 1082, timestamp: 1114 } as const;
const RAW = new Set<number>(Object.values(OID));
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * `pg`'s parsers with int8, date and timestamp left as text (then `sameJson` decides their JSON): `pg` reads a
 * date as local midnight, so under TZ=Europe/Berlin 2024-12-01 became "2024-11-30T23:00:00.000Z".
 */
export const pgTextTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => (RAW.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

/** One value of a column read as text above: count(*) → number, date → "YYYY-MM-DD", timestamp → ISO (UTC). */
function convert(oid: number, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (oid === OID.int8) {
    const n = Number(value);
    // Past 2^53 a number would lie: the exact text instead.
    return Number.isSafeInteger(n) ? n : value;
  }
  // A timestamp without time zone is a wall-clock time: read as UTC, it keeps its digits in the JSON.
  if (oid === OID.timestamp && TIMESTAMP.test(value)) return new Date(`${value.replace(" ", "T")}Z`);
  return value;
}

/**
 * The same JSON from PGlite and PostgreSQL for model-written SQL: counts (bigint) as numbers, dates as
 * "YYYY-MM-DD" with no time-zone shift, timestamps as UTC instants; numeric stays exact text in both.
 */
export function sameJson(rows: Record<string, unknown>[], fields: ReadonlyArray<{ name: string; dataTypeID: number }>): Record<string, unknown>[] {
  const raw = fields.filter((f) => RAW.has(f.dataTypeID));
  if (raw.length === 0) return rows;
  for (const row of rows) for (const f of raw) row[f.name] = convert(f.dataTypeID, row[f.name]);
  return rows;
}
