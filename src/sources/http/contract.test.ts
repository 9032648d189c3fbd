import { sourceContract } from "../testing/contract.js";
import { httpSourceSchema } from "./config.js";
import { HttpIngestSource } from "./source.js";

const BATCH = 100;

sourceContract("http", {
  group: "g",
  delivery: "acknowledged",
  records: 1_000,
  prepare: async (_dir, n) => Array.from({ length: n }, (_, i) => `request ${i}`),
  create: (ctx) =>
    new HttpIngestSource(
      httpSourceSchema.parse({ type: "http", listen: "127.0.0.1:0", tokens: ["contract-token"] }),
      ctx,
    ),
  // batches of 100, one after the other; a batch without 200 is handed back to be re-sent
  send: async (source, messages) => {
    const http = source as HttpIngestSource;
    await http.listening;
    const refused: string[] = [];
    for (let i = 0; i < messages.length; i += BATCH) {
      const batch = messages.slice(i, i + BATCH);
      const res = await fetch(`http://127.0.0.1:${http.port}/v1/logs/g/s`, {
        method: "POST",
        headers: { Authorization: "Bearer contract-token", "Content-Type": "application/json" },
        body: JSON.stringify({ events: batch.map((message) => ({ timestamp: 1, message })) }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) refused.push(...batch);
    }
    return refused;
  },
});
