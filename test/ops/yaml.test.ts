import { describe, expect, it } from "vitest";
import { parseYaml } from "./yaml.js";

// The strict YAML reader the ops tests use to read rules, promtool tests, provisioning and compose files.
describe("the ops pack's YAML reader", () => {
  it("reads block mappings and sequences, compact sequence items, scalars of the core schema and comments", () => {
    const doc = parseYaml(
      [
        "# a comment",
        "groups:",
        "  - name: g   # trailing comment",
        "    interval: 1m",
        "    rules:",
        "      - alert: A",
        "        for: 5m",
        "        labels: {severity: warning, team: 'ai # platform'}",
        "      - record: 'r:x'",
        "list:",
        "- 1",
        "- -2.5",
        "- true",
        "- null",
        "- ~",
        '- "a \\"quoted\\" \\u00e9"',
        "- 'it''s'",
        "- [a, 'b, c', 3]",
        "- --config.file=/etc/x.yml",
        "- http://host:9090/path",
        "empty:",
        "url: https://example.com/a#anchor",
      ].join("\n"),
    );
    expect(doc).toEqual({
      groups: [{ name: "g", interval: "1m", rules: [{ alert: "A", for: "5m", labels: { severity: "warning", team: "ai # platform" } }, { record: "r:x" }] }],
      list: [1, -2.5, true, null, null, 'a "quoted" é', "it's", ["a", "b, c", 3], "--config.file=/etc/x.yml", "http://host:9090/path"],
      empty: null,
      url: "https://example.com/a#anchor",
    });
  });

  it("reads literal block scalars with clip, strip and keep chomping, keeping inner indentation and # characters", () => {
    const doc = parseYaml(["a: |", "  sum(x)", "    / y  # not a comment", "", "b: |-", "  one", "  two", "c: |+", "  kept", "", "d: 1"].join("\n"));
    expect(doc).toEqual({ a: "sum(x)\n  / y  # not a comment\n", b: "one\ntwo", c: "kept\n\n", d: 1 });
  });

  it.each([
    ["anchors", "a: &x 1"],
    ["aliases", "a: *x"],
    ["tags", "a: !!str 1"],
    ["merge keys", "<<: {a: 1}"],
    ["folded scalars", "a: >\n  text"],
    ["multi-line plain scalars", "a: one\n  two"],
    ["duplicate keys", "a: 1\na: 2"],
    ["tabs in indentation", "a:\n\t- 1"],
    ["several documents", "a: 1\n---\nb: 2"],
    ["': ' in a plain scalar", "a: b: c"],
    ["unterminated quotes", "a: 'b"],
    ["trailing text after a quoted scalar", 'a: "b" c'],
    ["unbalanced flow collections", "a: [1, 2"],
    ["content indented under a scalar", "a: 1\n   b: 2"],
  ])("rejects %s, naming the line", (_what, source) => {
    expect(() => parseYaml(source, "f.yml")).toThrow(/^f\.yml:\d+: /);
  });
});
