import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ChatOpenAI } from "@langchain/openai";

/**
 * A hostile OpenAI-compatible model on loopback: it classifies every question as a SQL query and answers the
 * generation and correction prompts with the question itself as the SQL, so a test sends attacker-chosen SQL
 * through the example's real ChatOpenAI path by asking it as the question.
 */
export class HostileLlm {
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw) as { model: string; messages: Array<{ role: string; content: string }> };
        const system = body.messages[0]?.content ?? "";
        const user = body.messages.at(-1)?.content ?? "";
        const question = /^Question: ([\s\S]*?)\n(?:Plan|Attempt): /.exec(user)?.[1] ?? user;
        const content = system.startsWith("[intent]") ? '{"intent":"sql_query","confidence":0.99}' : system.startsWith("[reasoning]") ? "Run it." : `\`\`\`sql\n${question}\n\`\`\``;
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: "chatcmpl-hostile",
            object: "chat.completion",
            created: 1,
            model: body.model,
            choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
            usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
          }),
        );
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  model(): ChatOpenAI {
    return new ChatOpenAI({ model: "attacker-1", apiKey: "sk-local-test", temperature: 0, maxRetries: 0, configuration: { baseURL: this.url } });
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise((r) => this.server!.close(r));
  }
}

/** The attacks of issue 21, as a hostile model would write them; `marker` is the file a shell command would create. */
export const hostileSql = (marker: string): string[] => [
  "SELECT '--'; COMMIT; DELETE FROM order_items",
  "SELECT $$'$$; COMMIT; DELETE FROM order_items",
  `COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`,
  `SELECT 1; COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`,
  'SELECT "pg_sleep"(2)',
  "SELECT pg_sleep_for('2 seconds')",
  "SELECT \"pg_read_file\"('/etc/hostname')",
  "SELECT pg_ls_dir('.')",
  "SELECT repeat($$x$$,150000000)",
  "WITH gone AS (DELETE FROM order_items RETURNING *) SELECT count(*) FROM gone",
  "SELECT set_config('default_transaction_read_only', 'off', false)",
  "SELECT * FROM information_schema.tables",
  "SELECT * FROM pg_catalog.pg_class",
  "SELECT 'query_runs'::regclass",
  "SELECT * INTO stolen FROM customers",
  "SELECT * FROM orders FOR UPDATE",
];
