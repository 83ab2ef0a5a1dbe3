/** A question and the hand-written SQL whose rows are the right answer on the same data. */
export interface GroundTruthCase {
  question: string;
  sql: string;
  /** The question asks for an order (top N, most, highest): rows must come in the same order. */
  ordered?: boolean;
}

/** A question the shop's tables cannot answer: the right reply says so (or asks back); any rows are wrong. */
export interface UnanswerableCase {
  question: string;
  unanswerable: true;
  /** What the schema lacks, for the reader of a miss. */
  why: string;
}

/** A case of an evaluation set: rows to match, or a question to decline. */
export type EvalCase = GroundTruthCase | UnanswerableCase;

/** Numbers within this distance are the same answer: rounding to 1 or 2 decimals is a presentation choice. */
const TOLERANCE = 0.05 + 1e-9;

type Cell = number | string | null;

/** One canonical form for PostgreSQL values: numeric strings, bigints and numbers → number; dates → YYYY-MM-DD. */
export function normalize(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const text = String(value);
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return text.slice(0, 10);
  return text;
}

const same = (a: Cell, b: Cell) => (typeof a === "number" && typeof b === "number" ? Math.abs(a - b) <= TOLERANCE : a === b);
const order = (a: Cell, b: Cell) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b)));

function columnsOf(rows: Record<string, unknown>[], names: string[]): Cell[][] {
  return names.map((n) => rows.map((r) => normalize(r[n])));
}

function sameMultiset(a: Cell[], b: Cell[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort(order);
  const y = [...b].sort(order);
  return x.every((v, i) => same(v, y[i]!));
}

/**
 * Whether `actual` answers like `truth`: every truth column is found among the answer's columns (names may
 * differ, extra columns such as an id are allowed), and the rows projected on those columns are the same
 * multiset — or the same sequence when the question asks for an order.
 */
export function answersLike(actual: { rows: Record<string, unknown>[]; columns: string[] }, truth: { rows: Record<string, unknown>[]; columns: string[] }, ordered: boolean): boolean {
  if (actual.rows.length !== truth.rows.length) return false;
  const mine = columnsOf(actual.rows, actual.columns);
  const theirs = columnsOf(truth.rows, truth.columns);
  // Map each truth column to an unused answer column with the same values (as a multiset).
  const used = new Set<number>();
  const mapping: number[] = [];
  for (const column of theirs) {
    const match = mine.findIndex((c, i) => !used.has(i) && sameMultiset(c, column));
    if (match < 0) return false;
    used.add(match);
    mapping.push(match);
  }
  const project = (i: number) => mapping.map((m) => mine[m]![i]!);
  const mineRows = actual.rows.map((_r, i) => project(i));
  const truthRows = truth.rows.map((_r, i) => theirs.map((c) => c[i]!));
  const rowOrder = (a: Cell[], b: Cell[]) => {
    for (let i = 0; i < a.length; i++) {
      const d = order(a[i]!, b[i]!);
      if (d !== 0) return d;
    }
    return 0;
  };
  const x = ordered ? mineRows : [...mineRows].sort(rowOrder);
  const y = ordered ? truthRows : [...truthRows].sort(rowOrder);
  return x.every((row, i) => row.every((v, j) => same(v, y[i]![j]!)));
}
