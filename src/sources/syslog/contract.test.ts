import net from "node:net";
import { sourceContract } from "../testing/contract.js";
import { syslogSourceSchema } from "./config.js";
import { SyslogSource } from "./source.js";

sourceContract("syslog", {
  group: "g",
  delivery: "at-most-once",
  lostStat: "lost_in_store",
  records: 20_000,
  prepare: async (_dir, n) => Array.from({ length: n }, (_, i) => `Nov 25 08:00:01 h1 app[1]: message ${i}`),
  create: (ctx) =>
    new SyslogSource(
      syslogSourceSchema.parse({ type: "syslog", listen: "tcp://127.0.0.1:0", group: "g" }),
      ctx,
    ),
  // one TCP connection; messages arrive in several chunks, so in several batches
  send: async (source, messages) => {
    const syslog = source as SyslogSource;
    await syslog.listening;
    const sock = net.connect(syslog.port, "127.0.0.1");
    for (let i = 0; i < messages.length; i += 1000) {
      const chunk = messages.slice(i, i + 1000).map((m) => `<38>${m}\n`);
      if (!sock.write(chunk.join(""))) await new Promise((r) => sock.once("drain", r));
      await new Promise((r) => setImmediate(r));
    }
    await new Promise<void>((r) => sock.end(r));
    return [];
  },
});
