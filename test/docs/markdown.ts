import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** Path relative to the repository root, e.g. `docs/tracer.md`. */
  file: string;
  /** 1-based line of the block's first code line (the line after the opening fence). */
  line: number;
  /** The info string after the opening fence (`ts`, `sh`, …); "" for a bare fence. */
  lang: string;
  /** The code, every line ending in "\n". */
  code: string;
}

/**
 * The user documentation: README.md and every page under docs/. `docs/_incoming/` is left out: it holds notes
 * from other branches waiting to be placed, checked once they become pages.
 */
export function docFiles(): string[] {
  const pages = readdirSync(`${root}/docs`, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md") && !f.startsWith("_incoming"))
    .map((f) => `docs/${f}`)
    .sort();
  return ["README.md", ...pages];
}

/** Fenced blocks (``` or ~~~, CommonMark: a closing fence at least as long as the opening one). */
export function codeBlocks(file: string, text = readFileSync(`${root}/${file}`, "utf8")): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[end]!)) end++;
    blocks.push({ file, line: start + 1, lang: open[2]!.toLowerCase(), code: lines.slice(start, end).map((l) => `${l}\n`).join("") });
    i = end;
  }
  return blocks;
}

/** The lines of a markdown file outside fenced blocks (links and headings live there). */
export function proseLines(file: string, text = readFileSync(`${root}/${file}`, "utf8")): Array<{ line: number; text: string }> {
  const inBlock = new Set<number>();
  for (const b of codeBlocks(file, text)) {
    const count = b.code.split("\n").length - 1;
    for (let l = b.line - 1; l <= b.line + count; l++) inBlock.add(l);
  }
  return text.split("\n").flatMap((t, i) => (inBlock.has(i + 1) ? [] : [{ line: i + 1, text: t }]));
}

/** GitHub's anchor of a heading: lower-case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a markdown file's headings (repeated headings get -1, -2, … as on GitHub). */
export function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(file)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!h) continue;
    const base = anchorOf(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}
