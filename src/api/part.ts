/**
 * The web UI/API server as a part of the daemon (config `http:`). It listens on http.listen (loopback by
 * default), over TLS when http.tls is set. With no user yet it logs the one-time setup link. A port that
 * cannot be bound is logged and retried every 30 s: the UI failing never stops detection.
 */
import fs from "node:fs";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import { parseHostPort } from "../core/ip.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Service } from "../service.js";
import { type ApiApp, buildApiApp } from "./app.js";
import type { ApiDeps } from "./deps.js";

const RETRY_MS = 30_000;

export interface ApiPart extends Service {
  api: ApiApp;
  /** the URL it listens on, once listening ("http://127.0.0.1:8470") */
  url(): string | undefined;
}

export function buildApiPart(
  deps: ApiDeps,
  pipeline: Pick<Pipeline, "addConsumer" | "removeConsumer">,
): ApiPart {
  const api = buildApiApp(deps);
  const log = deps.log.child({ part: "http" });
  let server: Server | undefined;
  let url: string | undefined;
  let retry: TimerHandle | undefined;
  let stopped = false;

  const listen = async (): Promise<void> => {
    const { host, port } = parseHostPort(deps.http.listen, "http.listen");
    const tls = deps.http.tls;
    const s = createAdaptorServer({
      fetch: api.app.fetch,
      ...(tls
        ? {
            createServer: createHttpsServer,
            serverOptions: { cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) },
          }
        : {}),
    }) as Server;
    s.requestTimeout = 60_000;
    s.headersTimeout = 20_000;
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, host, () => {
        s.off("error", reject);
        resolve();
      });
    });
    server = s;
    const addr = s.address() as AddressInfo;
    // a wildcard listener is reached on loopback from this host (the setup link is for whoever runs it)
    const host0 = addr.address === "0.0.0.0" ? "127.0.0.1" : addr.address === "::" ? "::1" : addr.address;
    const shownHost = host0.includes(":") ? `[${host0}]` : host0;
    url = `${tls ? "https" : "http"}://${shownHost}:${addr.port}`;
    const token = await api.setup.check();
    log.info({ url }, "web UI and API listening");
    if (token)
      log.warn(
        { setup: `${url}/setup?token=${token}` },
        `no user yet: create the first admin at ${url}/setup?token=${token}`,
      );
  };

  const tryListen = async (): Promise<void> => {
    try {
      await listen();
    } catch (err) {
      if (stopped) return;
      log.error(
        { err: errorMessage(err), listen: deps.http.listen },
        "the web UI/API server could not listen (retrying every 30 s); detection keeps running. Free the port or change http.listen",
      );
      retry = deps.clock.setTimeout(() => void tryListen(), RETRY_MS);
    }
  };

  return {
    name: "http",
    api,
    url: () => url,
    async start() {
      pipeline.addConsumer(api.hub);
      await tryListen();
    },
    async stop() {
      stopped = true;
      retry?.cancel();
      pipeline.removeConsumer(api.hub.name);
      api.hub.closeAll();
      const s = server;
      server = undefined;
      if (s) {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections?.();
        });
      }
    },
    stats: () => ({ url, ...api.hub.counters }),
  };
}
