/** Descriptions of the top-level `http` keys: the web UI and API server (docs/web.md). */
import type { KeyDoc } from "./config-keys.js";

const d = (text: string, example?: string): KeyDoc => ({ text, example });

export const httpKeys: Record<string, KeyDoc> = {
  http: d(
    "The web UI and HTTP API that `mamori serve` runs (docs/web.md). Not the `type: http` log source, which lives under `sources`.",
  ),
  "http.enabled": d("Run the web UI/API server. On by default, on loopback only.", "false"),
  "http.listen": d(
    "HOST:PORT it listens on. Keep it on loopback (put a TLS reverse proxy in front) unless `tls` is set.",
    "127.0.0.1:8470",
  ),
  "http.tls": d("Serve HTTPS with these PEM files; session cookies are then `Secure`."),
  "http.tls.cert": d("Certificate chain (PEM).", "/etc/mamori/tls.crt"),
  "http.tls.key": d("Private key (PEM).", "/etc/mamori/tls.key"),
  "http.session_ttl": d("How long a sign-in lasts (at least 1m).", "12h"),
};
