/**
 * hidden_ports: a port that cannot be bound (EADDRINUSE) although no socket in /proc/net/{tcp,tcp6,udp,udp6}
 * uses it — the kernel has a socket that the tables a rootkit can filter (hooked reads, a covering mount) do
 * not show. Each port is bound on the wildcard address (IPv6 dual-stack, or IPv4 when IPv6 is off) and
 * released at once; binds run a few at a time, so the event loop stays free (measured: 65,535 TCP plus
 * 65,535 UDP ports take about 6 s, see docs/rootcheck.md). A candidate is bound again after the tables are
 * re-read, so a socket opened during the scan is not reported.
 */
import dgram from "node:dgram";
import net from "node:net";
import { type CheckFinding, yieldToEventLoop } from "./finding.js";
import { type Protocol, portsInUse } from "./proc-net.js";

export interface HiddenPortOptions {
  proc: string;
  /** inclusive range probed */
  first: number;
  last: number;
  protocols?: readonly Protocol[];
  /** binds under way at once */
  concurrency?: number;
  signal?: AbortSignal;
}

type BindResult = "free" | "in-use" | "unknown";

function bindTcp(port: number, host: string): Promise<BindResult | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen({ port, host, exclusive: true, backlog: 1 }, () => srv.close(() => resolve("free")));
  });
}

function bindUdp(port: number, type: "udp4" | "udp6"): Promise<BindResult | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket({ type, reuseAddr: false });
    sock.once("error", (err: NodeJS.ErrnoException) => {
      sock.close();
      resolve(err);
    });
    sock.bind({ port, address: type === "udp6" ? "::" : "0.0.0.0", exclusive: true }, () =>
      sock.close(() => resolve("free")),
    );
  });
}

/** Binds once; EADDRINUSE is "in-use", any other refusal (EACCES below 1024 without root) "unknown". */
async function tryBind(protocol: Protocol, port: number, v6: boolean): Promise<BindResult> {
  const r =
    protocol === "tcp"
      ? await bindTcp(port, v6 ? "::" : "0.0.0.0")
      : await bindUdp(port, v6 ? "udp6" : "udp4");
  if (typeof r === "string") return r;
  return r.code === "EADDRINUSE" ? "in-use" : "unknown";
}

/** Whether IPv6 wildcard binds work here (a dual-stack bind then also covers IPv4). */
async function ipv6Works(): Promise<boolean> {
  const r = await bindTcp(0, "::");
  return r === "free";
}

/** The ports of the range that could not be bound, for one protocol. */
async function unbindable(protocol: Protocol, o: HiddenPortOptions, v6: boolean): Promise<number[]> {
  const inUse: number[] = [];
  let next = o.first;
  const worker = async () => {
    for (;;) {
      const port = next++;
      if (port > o.last) return;
      if (port % 1024 === 0) await yieldToEventLoop(o.signal);
      if ((await tryBind(protocol, port, v6)) === "in-use") inUse.push(port);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  return inUse.sort((a, b) => a - b);
}

export async function checkHiddenPorts(o: HiddenPortOptions): Promise<CheckFinding[]> {
  const v6 = await ipv6Works();
  const findings: CheckFinding[] = [];
  for (const protocol of o.protocols ?? (["tcp", "udp"] as const)) {
    const candidates = await unbindable(protocol, o, v6);
    if (candidates.length === 0) continue;
    const listed = await portsInUse(o.proc, protocol);
    for (const port of candidates) {
      if (listed.has(port)) continue;
      // still unbindable and still unlisted after a second look: not a socket that came and went
      if ((await tryBind(protocol, port, v6)) !== "in-use") continue;
      if ((await portsInUse(o.proc, protocol)).has(port)) continue;
      findings.push(hiddenPortFinding(protocol, port, o.proc));
    }
  }
  return findings;
}

function hiddenPortFinding(protocol: Protocol, port: number, proc: string): CheckFinding {
  const flag = protocol === "tcp" ? "-t" : "-u";
  return {
    check: "hidden_ports",
    severity: "high",
    title: `${protocol} port ${port} is in use but hidden from ${proc}/net/${protocol}`,
    detail:
      `Binding ${protocol} port ${port} fails with EADDRINUSE, yet no socket in ${proc}/net/${protocol} or ${protocol}6 uses it: ` +
      "a socket is hidden from the tables ss, netstat and lsof read. Investigate: " +
      `\`ss -anp ${flag} 'sport = :${port}'\` and \`lsof -nP -i ${protocol.toUpperCase()}:${port}\` ` +
      `(empty output confirms the hiding), \`grep ' ${proc}/' /proc/self/mountinfo\` for a mount over ${proc}/net, ` +
      "/etc/ld.so.preload for an injected library, `lsmod` for unknown kernel modules; " +
      `capture traffic on the port from another host (\`tcpdump -ni any port ${port}\` may be fooled on this one).` +
      (protocol === "tcp"
        ? " One innocent cause: a TCP socket bound but never listening or connected is in no table either; " +
          "newer ss versions list them with `ss -tanp --bound-inactive`, and `ls -l /proc/*/fd | grep socket:` finds their owners."
        : ""),
    port,
  };
}
