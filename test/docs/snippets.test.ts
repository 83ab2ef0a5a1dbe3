/**
 * Every TypeScript block of the README and the guides compiles, strict, against the package's sources: a
 * renamed option or export breaks this test, not the reader's first try. One Program for all blocks (fast);
 * each block is its own module, so it must import or declare everything it uses.
 */
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { codeBlocks, docFiles, root, type CodeBlock } from "./markdown.js";

/** Fence languages that are compiled. */
const TYPESCRIPT = new Set(["ts", "typescript"]);
/** Fence languages that say "this is not TypeScript": the only way for a block to skip the compiler. */
const NOT_CODE = new Set(["sh", "text", "json", "promql", "yaml", "mermaid", "sql"]);

function compile(blocks: CodeBlock[]): string[] {
  const config = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  // The project's strict options and its paths mapping (langgraph-telemetry → src/index.ts, /express → src/express/index.ts).
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, moduleDetection: ts.ModuleDetectionKind.Force };

  // Virtual files under the repository root, so the root package.json ("type": "module") makes them ES modules.
  const virtual = new Map<string, { block: CodeBlock; text: string }>();
  for (const block of blocks) {
    const name = path.join(root, ".doc-snippets", `${block.file.replace(/[/.]/g, "_")}_${block.line}.ts`).split(path.sep).join("/");
    virtual.set(name, { block, text: block.code });
  }

  const host = ts.createCompilerHost(options, true);
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const v = virtual.get(name);
    return v ? ts.createSourceFile(name, v.text, languageVersion, true) : readSource(name, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => virtual.get(name)?.text ?? readFile(name);

  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const errors = program.getOptionsDiagnostics().map((d) => `tsconfig: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  for (const [name, { block }] of virtual) {
    const sf = program.getSourceFile(name)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      errors.push(`${block.file}:${block.line + line}:${character + 1} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n  ")}`);
    }
  }
  return errors;
}

describe("code blocks of README.md and docs/", () => {
  const blocks = docFiles().flatMap((file) => codeBlocks(file));

  it("say what they are: TypeScript, or an explicit non-code language", () => {
    const unmarked = blocks
      .filter((b) => !TYPESCRIPT.has(b.lang) && !NOT_CODE.has(b.lang))
      .map((b) => `${b.file}:${b.line - 1}: fence "${b.lang}" — use ts (compiled) or one of ${[...NOT_CODE].join(", ")}`);
    expect(unmarked).toEqual([]);
  });

  it("compile as TypeScript, strict, against the package's sources", () => {
    const ts = blocks.filter((b) => TYPESCRIPT.has(b.lang));
    expect(ts.length).toBeGreaterThan(10);
    expect(compile(ts)).toEqual([]);
  }, 120_000);
});
