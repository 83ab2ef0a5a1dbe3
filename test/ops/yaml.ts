/**
 * A small, strict reader for the YAML the ops pack is written in (no YAML package is installed, and the
 * project adds no dependency for tests). It covers block mappings and sequences, plain, single- and
 * double-quoted scalars, literal block scalars (`|`, `|-`, `|+`), one-line flow sequences and
 * mappings, and comments; it throws, naming the line, on anything else (anchors, aliases, tags, tabs, several
 * documents, multi-line plain scalars, folded scalars, duplicate keys), so a file outside the subset fails loudly instead of
 * being read wrong. Scalars follow the YAML 1.2 core schema (null, booleans, integers, floats).
 *
 * Its reading is checked against the real consumers: rule files against the rules a real Prometheus loaded,
 * promtool test files by re-serialising them as JSON and running `promtool test rules` on that.
 */

export type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };

interface Line {
  no: number;
  indent: number;
  text: string; // without indentation and trailing comment
}

class YamlError extends Error {}

function fail(file: string, no: number, message: string): never {
  throw new YamlError(`${file}:${no}: ${message}`);
}

/** Index of a `#` that starts a comment (outside quotes, at the start or after whitespace), or -1. */
function commentStart(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
    } else if (c === '"' || c === "'") {
      // A quote only opens a quoted scalar at the start of a value, not inside a plain one (`it's`).
      const before = text.slice(0, i).trimEnd();
      if (before === "" || /[:\-\[{,]$/.test(before)) quote = c;
    } else if (c === "#" && (i === 0 || text[i - 1] === " ")) return i;
  }
  return -1;
}

function scalar(raw: string, file: string, no: number): Yaml {
  const text = raw.trim();
  if (text === "") return null;
  const first = text[0]!;
  if (first === '"') return doubleQuoted(text, file, no);
  if (first === "'") {
    if (!/^'(?:[^']|'')*'$/.test(text)) fail(file, no, `unterminated or trailing text after single-quoted scalar: ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (first === "[" || first === "{") return flow(text, file, no);
  if (first === "&" || first === "*" || first === "!") fail(file, no, `anchors, aliases and tags are not supported: ${text}`);
  if (first === "|" || first === ">") fail(file, no, `block scalar indicator in an unsupported position: ${text}`);
  if (first === "@" || first === "`") fail(file, no, `reserved indicator ${first} cannot start a plain scalar`);
  if (/^(?:null|Null|NULL|~)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return Number.parseFloat(text);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return Number.NaN;
  if (/:\s/.test(text) || text.endsWith(":")) fail(file, no, `plain scalar contains ": " (quote it): ${text}`);
  return text;
}

function doubleQuoted(text: string, file: string, no: number): string {
  let out = "";
  let i = 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') break;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = text[++i];
    const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "/": "/", "0": "\0", " ": " " };
    if (e !== undefined && simple[e] !== undefined) out += simple[e];
    else if (e === "u" || e === "x") {
      const len = e === "u" ? 4 : 2;
      const hex = text.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail(file, no, `bad \\${e} escape in ${text}`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += len;
    } else fail(file, no, `unsupported escape \\${e ?? ""} in ${text}`);
  }
  if (i !== text.length - 1) fail(file, no, `unterminated or trailing text after double-quoted scalar: ${text}`);
  return out;
}

/** Splits the inside of a one-line flow collection at top-level commas. */
function splitFlow(inner: string, file: string, no: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (quote !== undefined) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  if (quote !== undefined || depth !== 0) fail(file, no, `unbalanced flow collection: ${inner}`);
  const last = inner.slice(start);
  if (last.trim() !== "" || parts.length > 0) parts.push(last);
  if (parts.some((p) => p.trim() === "")) fail(file, no, `empty entry in flow collection: [${inner}]`);
  return parts;
}

function flow(text: string, file: string, no: number): Yaml {
  const open = text[0]!;
  const close = open === "[" ? "]" : "}";
  if (!text.endsWith(close)) fail(file, no, `flow collection must end on its line with ${close}: ${text}`);
  const parts = splitFlow(text.slice(1, -1), file, no);
  if (open === "[") return parts.map((p) => scalar(p, file, no));
  const map: Record<string, Yaml> = {};
  for (const part of parts) {
    const [key, value] = splitKey(part.trim(), file, no) ?? fail(file, no, `flow mapping entry without "key: value": ${part}`);
    if (key in map) fail(file, no, `duplicate key ${key}`);
    map[key] = scalar(value, file, no);
  }
  return map;
}

/** `key: rest` → [key, rest]; undefined when the text is not a mapping entry. */
function splitKey(text: string, file: string, no: number): [string, string] | undefined {
  let keyEnd: number;
  let key: string;
  if (text[0] === '"' || text[0] === "'") {
    const q = text[0];
    let i = 1;
    for (; i < text.length; i++) {
      if (q === '"' && text[i] === "\\") i++;
      else if (text[i] === q) {
        if (q === "'" && text[i + 1] === "'") i++;
        else break;
      }
    }
    if (text[i + 1] !== ":") return undefined;
    key = scalar(text.slice(0, i + 1), file, no) as string;
    keyEnd = i + 1;
  } else {
    const m = /^([^\s#'"\[\]{},&*!|>%@`-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?=\s|$)/.exec(text);
    if (!m) return undefined;
    key = m[1]!;
    keyEnd = m[0].length - 1;
  }
  if (text[keyEnd] !== ":" || (keyEnd + 1 < text.length && text[keyEnd + 1] !== " ")) return undefined;
  return [key, text.slice(keyEnd + 1).trim()];
}

class Reader {
  private readonly lines: Line[] = [];
  private pos = 0;
  private readonly raw: string[];

  constructor(
    source: string,
    private readonly file: string,
  ) {
    this.raw = source.split(/\r?\n/);
    let started = false;
    this.raw.forEach((line, i) => {
      const no = i + 1;
      if (/^\t| \t/.test(line.match(/^[ \t]*/)![0]) && line.trim() !== "") fail(file, no, "tabs are not allowed in indentation");
      const indent = line.length - line.trimStart().length;
      const c = commentStart(line);
      const text = (c >= 0 ? line.slice(0, c) : line).trimEnd().slice(indent);
      if (text === "") return;
      if (text === "---" && indent === 0) {
        if (started) fail(file, no, "several documents are not supported");
        started = true;
        return;
      }
      if (text === "..." || (text.startsWith("%") && indent === 0)) fail(file, no, `directive or document end not supported: ${text}`);
      started = true;
      this.lines.push({ no, indent, text });
    });
  }

  read(): Yaml {
    if (this.lines.length === 0) return null;
    const first = this.lines[0]!;
    if (first.indent !== 0) fail(this.file, first.no, "the document must start at column 0");
    const value = this.node(0);
    const rest = this.lines[this.pos];
    if (rest !== undefined) fail(this.file, rest.no, `unexpected content at indentation ${rest.indent}: ${rest.text}`);
    return value;
  }

  /** A block node whose first line is at `indent`. */
  private node(indent: number): Yaml {
    const line = this.lines[this.pos]!;
    if (line.indent !== indent) fail(this.file, line.no, `expected indentation ${indent}, found ${line.indent}`);
    if (line.text === "-" || line.text.startsWith("- ")) return this.sequence(indent);
    if (splitKey(line.text, this.file, line.no) !== undefined) return this.mapping(indent);
    this.pos++;
    const next = this.lines[this.pos];
    if (next !== undefined && next.indent > indent) fail(this.file, next.no, "multi-line plain scalars are not supported (use | or >)");
    return scalar(line.text, this.file, line.no);
  }

  private sequence(indent: number): Yaml[] {
    const items: Yaml[] = [];
    for (let line = this.lines[this.pos]; line !== undefined && line.indent === indent && (line.text === "-" || line.text.startsWith("- ")); line = this.lines[this.pos]) {
      const rest = line.text.slice(1).trimStart();
      if (rest === "") {
        this.pos++;
        const next = this.lines[this.pos];
        items.push(next !== undefined && next.indent > indent ? this.node(next.indent) : null);
        continue;
      }
      // "- key: value" opens a mapping whose keys sit at the column after "- ".
      const column = indent + (line.text.length - rest.length);
      this.lines[this.pos] = { no: line.no, indent: column, text: rest };
      items.push(this.node(column));
    }
    return items;
  }

  private mapping(indent: number): Record<string, Yaml> {
    const map: Record<string, Yaml> = {};
    for (let line = this.lines[this.pos]; line !== undefined && line.indent === indent; line = this.lines[this.pos]) {
      const entry = splitKey(line.text, this.file, line.no);
      if (entry === undefined) fail(this.file, line.no, `expected "key: value" in a mapping: ${line.text}`);
      const [key, rest] = entry;
      if (Object.prototype.hasOwnProperty.call(map, key)) fail(this.file, line.no, `duplicate key ${key}`);
      if (key === "<<") fail(this.file, line.no, "merge keys are not supported");
      this.pos++;
      if (/^[|>][+-]?$/.test(rest)) {
        map[key] = this.blockScalar(rest, indent, line.no);
        continue;
      }
      if (rest !== "") {
        map[key] = scalar(rest, this.file, line.no);
        const next = this.lines[this.pos];
        if (next !== undefined && next.indent > indent) fail(this.file, next.no, `unexpected indented content after ${key}: (multi-line plain scalars are not supported)`);
        continue;
      }
      const next = this.lines[this.pos];
      if (next === undefined || next.indent < indent || (next.indent === indent && !(next.text === "-" || next.text.startsWith("- ")))) map[key] = null;
      else map[key] = this.node(next.indent);
    }
    return map;
  }

  /** A literal block scalar (`|`, `|-`, `|+`) after a key at `indent`, read from the raw lines. */
  private blockScalar(header: string, indent: number, headerNo: number): string {
    if (header[0] !== "|") fail(this.file, headerNo, "folded block scalars (>) are not supported: use |");
    const chomp = header[1] ?? "";
    const body: string[] = [];
    let blockIndent: number | undefined;
    let i = headerNo; // raw index of the line after the header
    for (; i < this.raw.length; i++) {
      const rawLine = this.raw[i]!;
      if (rawLine.trim() === "") {
        body.push("");
        continue;
      }
      const lineIndent = rawLine.length - rawLine.trimStart().length;
      if (lineIndent <= indent) break;
      if (blockIndent === undefined) blockIndent = lineIndent;
      if (lineIndent < blockIndent) fail(this.file, i + 1, "block scalar line less indented than its first line");
      body.push(rawLine.slice(blockIndent));
    }
    // The lines read here are not structure: skip them in the line list.
    while (this.lines[this.pos] !== undefined && this.lines[this.pos]!.no <= i) this.pos++;
    let trailing = 0;
    while (body.length > 0 && body[body.length - 1] === "") {
      body.pop();
      trailing++;
    }
    if (body.length === 0) return "";
    const text = body.join("\n");
    if (chomp === "-") return text;
    if (chomp === "+") return text + "\n".repeat(trailing + 1);
    return text + "\n";
  }
}

/** Parses `source` (named `file` in errors) with the strict subset described above. */
export function parseYaml(source: string, file = "<yaml>"): Yaml {
  return new Reader(source, file).read();
}

/** Narrowing helpers that throw with a path, for reading parsed documents. */
export function asMap(value: Yaml | undefined, where: string): Record<string, Yaml> {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) throw new Error(`${where}: expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

export function asList(value: Yaml | undefined, where: string): Yaml[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a sequence, got ${JSON.stringify(value)}`);
  return value;
}

export function asString(value: Yaml | undefined, where: string): string {
  if (typeof value !== "string") throw new Error(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}
