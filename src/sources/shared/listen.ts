/** Listen addresses of the network sources: "127.0.0.1:8514", "[::1]:6514" → host and port. */
export function parseHostPort(hostPort: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(hostPort);
  if (!m) throw new Error(`${what} "${hostPort}": expected HOST:PORT, e.g. 127.0.0.1:8514 or [::1]:8514`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`${what} "${hostPort}": port ${port} is out of range (0-65535)`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port };
}
