import { beforeAll, describe, expect, it } from "vitest";
import { judgeSql, loadSqlParser } from "../../examples/text2query/sql-guard.js";

describe("the example's SQL guard: PostgreSQL's parser and an allow-list", () => {
  beforeAll(() => loadSqlParser());

  it.each([
    ["a comment marker inside a string, then more statements", "SELECT '--'; COMMIT; DELETE FROM order_items", /multiple statements/],
    ["a dollar-quoted string hiding a quote", "SELECT $$'$$; DELETE FROM order_items", /multiple statements/],
    ["a quoted function name (the server folds nothing inside quotes)", 'SELECT "pg_sleep"(2)', /function pg_sleep\(\) is not allowed/],
    ["a schema-qualified function", "SELECT pg_catalog.pg_sleep(1)", /function pg_catalog\.pg_sleep\(\) is not allowed/],
    ["a function in FROM", "SELECT * FROM pg_ls_dir('.')", /function pg_ls_dir\(\) is not allowed/],
    ["a data-modifying CTE", "WITH x AS (UPDATE orders SET status = 'x' RETURNING *) SELECT * FROM x", /Update is not allowed/],
    ["SELECT INTO (creates a table)", "SELECT * INTO copy FROM orders", /SELECT INTO/],
    ["a row lock", "SELECT * FROM orders FOR SHARE", /FOR UPDATE\/SHARE/],
    ["a catalog table", "SELECT * FROM pg_class", /only the shop's tables/],
    ["another schema", "SELECT * FROM information_schema.columns", /only the shop's tables/],
    ["a cast that looks up catalog objects", "SELECT 'orders'::regclass", /cast to regclass/],
    ["the server's role names", "SELECT session_user", /SESSION_USER is not allowed/],
    ["a settings change", "SELECT set_config('statement_timeout', '0', false)", /set_config/],
    ["COPY", "COPY orders TO STDOUT", /only SELECT/],
    ["an empty text", "  -- nothing\n", /empty statement/],
  ])("refuses %s as forbidden_statement", (_label, sql, reason) => {
    const verdict = judgeSql(sql);
    expect(verdict).toMatchObject({ allowed: false, category: "forbidden_statement" });
    expect(verdict.allowed === false && verdict.reason).toMatch(reason);
  });

  it("answers as the query role would for tables that are not the shop's, and passes syntax errors on", () => {
    expect(judgeSql("SELECT * FROM query_runs")).toMatchObject({ allowed: false, category: "unknown_table", reason: expect.stringMatching(/relation "query_runs" does not exist/) });
    expect(judgeSql('SELECT * FROM "Orders"')).toMatchObject({ allowed: false, category: "unknown_table" });
    expect(judgeSql("SELECT count(* FROM orders")).toMatchObject({ allowed: false, category: "syntax" });
  });

  it("allows the analytics a shop needs, and returns the statement without its semicolon", () => {
    for (const sql of [
      "WITH monthly AS (SELECT date_trunc('month', ordered_at) AS month, count(*) AS n FROM orders GROUP BY 1) SELECT * FROM monthly ORDER BY month",
      "SELECT DISTINCT ON (category) category, name, price FROM products ORDER BY category, price DESC",
      "SELECT round(100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*), 1) AS pct, EXTRACT(year FROM ordered_at)::int AS y FROM orders GROUP BY 2",
      "SELECT c.name, rank() OVER (ORDER BY sum(oi.quantity * oi.unit_price) DESC) FROM customers c JOIN orders o USING (customer_id) JOIN order_items oi USING (order_id) GROUP BY c.name",
      "SELECT coalesce(nullif(country, ''), 'n/a'), greatest(1, 2), CASE WHEN price > 100 THEN 'high' ELSE 'low' END, ordered_at + INTERVAL '1 month' FROM customers, products, orders LIMIT 1",
      'SELECT "customer_id" FROM public.customers WHERE signed_up_at >= DATE \'2024-01-01\' AND name ILIKE \'%ada%\'',
    ]) {
      expect(judgeSql(sql), sql).toEqual({ allowed: true, statement: sql });
    }
    expect(judgeSql("SELECT 1 AS one; -- done")).toEqual({ allowed: true, statement: "SELECT 1 AS one" });
  });
});
