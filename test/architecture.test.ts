/**
 * Arrows point down: the import graph of src/ (type imports included) has no cycle; src/shared/ imports nothing
 * of ours; the tracer and the LLM-call reader import neither metrics nor pricing (they receive a pricer and their
 * sinks from src/workflow-tracer.ts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const src = path.resolve(import.meta.dirname, "../src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith(".ts") ? [full] : [];
  });
}

/** Each source file (relative to src/) and the files of ours it imports, `import type` included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(src)) {
    const text = readFileSync(file, "utf8");
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/g)) {
      targets.push(path.relative(src, path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, ".ts"))));
    }
    graph.set(path.relative(src, file), targets);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
}

describe("import graph of src/", () => {
  const graph = importGraph();
  const area = (file: string) => file.split(path.sep)[0]!;

  it("reads every module and resolves every relative import to one of them", () => {
    expect(graph.size).toBeGreaterThan(60);
    for (const [file, targets] of graph) for (const target of targets) expect(graph.has(target), `${file} imports ${target}`).toBe(true);
  });

  it("has no cycle, type imports included", () => {
    expect(cycles(graph).map((c) => c.join(" → "))).toEqual([]);
  });

  it("src/shared/ is a leaf: it imports nothing of ours outside itself", () => {
    for (const [file, targets] of graph) {
      if (area(file) !== "shared") continue;
      for (const target of targets) expect(area(target), `${file} imports ${target}`).toBe("shared");
    }
  });

  it("the tracer and the LLM-call reader import neither metrics nor pricing, nor the public option types that name them", () => {
    for (const [file, targets] of graph) {
      if (area(file) !== "tracer" && area(file) !== "llm") continue;
      for (const target of targets) expect(["metrics", "pricing", "types.ts", "workflow-tracer.ts"], `${file} imports ${target}`).not.toContain(area(target));
    }
  });

  it("metrics and pricing know nothing of the tracer", () => {
    for (const [file, targets] of graph) {
      if (area(file) !== "metrics" && area(file) !== "pricing") continue;
      for (const target of targets) expect(["tracer", "llm", "workflow-tracer.ts"], `${file} imports ${target}`).not.toContain(area(target));
    }
  });
});
