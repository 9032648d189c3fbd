/**
 * Every action runs the same contract (testing/contract.ts): the firewall ones inside network
 * namespaces this file creates and deletes, hosts-deny and exec in a temp folder, dry-run in memory.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import pino from "pino";
import { type JailConfig, jailSchema } from "../config/schema.js";
import { DryRunAction } from "./dry-run/index.js";
import { ExecAction } from "./exec/index.js";
import { HostsDenyAction } from "./hosts-deny/index.js";
import { IpsetAction, ipsetName } from "./ipset/index.js";
import { IptablesAction, iptablesChain } from "./iptables/index.js";
import { NftablesAction, nftNames, nftSetElements } from "./nftables/index.js";
import { type ActionSubject, actionContract } from "./testing/contract.js";
import { createNetns, type Netns, netnsUnavailable } from "./testing/netns.js";

const log = pino({ level: "silent" });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-contract-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const jailOf = (name: string, over: Record<string, unknown> = {}): JailConfig =>
  jailSchema.parse({ name, filter: "sshd", group: "g", port: "ssh", ...over });

/** Lines of `argv`'s output matched by re (group 1), or [] when the command fails (state missing). */
async function listed(ns: Netns, argv: string[], re: RegExp): Promise<string[]> {
  const r = await ns.exec(argv);
  if (r.code !== 0) return [];
  return r.stdout.split("\n").flatMap((l) => re.exec(l)?.[1] ?? []);
}

function inNetns(make: (ns: Netns) => Omit<ActionSubject, "cleanup">): () => ActionSubject {
  return () => {
    const ns = createNetns("mamori-contract");
    return { ...make(ns), cleanup: () => ns.destroy() };
  };
}

actionContract(
  "nftables",
  inNetns((ns) => ({
    create: (jail, o) => new NftablesAction({ jail: jailOf(jail), log, netns: ns.name, ...o }),
    async held(jail) {
      const out: string[] = [];
      for (const set of [nftNames(jail).v4, nftNames(jail).v6]) {
        const r = await ns.exec(["nft", "-j", "list", "set", "inet", "mamori", set]);
        if (r.code === 0) out.push(...nftSetElements(r.stdout));
      }
      return out;
    },
    flush: async () => void (await ns.must(["nft", "flush", "ruleset"])),
  })),
  { skip: netnsUnavailable(["nft"]) },
);

actionContract(
  "ipset",
  inNetns((ns) => ({
    create: (jail, o) => new IpsetAction({ jail: jailOf(jail), log, netns: ns.name, ...o }),
    async held(jail) {
      const sets = [ipsetName(jail, "ipv4"), ipsetName(jail, "ipv6")];
      const lists = await Promise.all(sets.map((s) => listed(ns, ["ipset", "save", s], /^add \S+ (\S+)/)));
      return lists.flat();
    },
    async flush() {
      for (const bin of ["iptables", "ip6tables"]) await ns.must([bin, "-w", "-F"]);
      await ns.must(["ipset", "destroy"]);
    },
  })),
  { skip: netnsUnavailable(["ipset", "iptables", "ip6tables"]) },
);

actionContract(
  "iptables",
  inNetns((ns) => ({
    create: (jail, o) => new IptablesAction({ jail: jailOf(jail), log, netns: ns.name, ...o }),
    async held(jail) {
      const chain = iptablesChain(jail);
      const lists = await Promise.all(
        ["iptables", "ip6tables"].map((bin) => listed(ns, [bin, "-w", "-S", chain], /^-A \S+ -s (\S+)/)),
      );
      return lists.flat().map((t) => t.replace(/\/(32|128)$/, ""));
    },
    async flush() {
      for (const bin of ["iptables", "ip6tables"]) await ns.must([bin, "-w", "-F"]);
    },
  })),
  { skip: netnsUnavailable(["iptables", "ip6tables"]) },
);

actionContract("hosts-deny", () => {
  const file = path.join(tmp, "hosts.deny");
  fs.writeFileSync(file, "# written by a person\nALL: 192.0.2.254\n");
  return {
    create: (jail, o) => new HostsDenyAction({ jail: jailOf(jail, { hosts_deny: file }), log, ...o }),
    async held(jail) {
      const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n") : [];
      const begin = lines.findIndex((l) => l.startsWith(`# mamori jail ${jail}: begin`));
      const end = lines.indexOf(`# mamori jail ${jail}: end`);
      if (begin < 0 || end < 0) return [];
      return lines.slice(begin + 1, end).map((l) => l.replace(/^sshd: /, "").replace(/^\[([^\]]+)\]/, "$1"));
    },
    flush: async () => fs.writeFileSync(file, "# rewritten by a configuration tool\n"),
  };
});

actionContract("exec", () => {
  const dir = path.join(tmp, "exec");
  const fw = path.join(dir, "fw");
  fs.mkdirSync(dir, { recursive: true });
  const script = (name: string, body: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `#!/bin/sh\nset -e\n${body}\n`, { mode: 0o755 });
    return p;
  };
  const exec = {
    ban: [
      script(
        "ban.sh",
        `rm -f '${dir}/flushed'; mkdir -p '${fw}'; touch '${fw}'/"$1"; grep -qxF "$2" '${fw}'/"$1" || echo "$2" >> '${fw}'/"$1"`,
      ),
      "{jail}",
      "{ip}",
    ],
    unban: [
      script(
        "unban.sh",
        `[ -e '${fw}'/"$1" ] || exit 0; grep -vxF "$2" '${fw}'/"$1" > '${fw}'/"$1".new || true; mv '${fw}'/"$1".new '${fw}'/"$1"`,
      ),
      "{jail}",
      "{ip}",
    ],
    check: [script("check.sh", `[ ! -e '${dir}/flushed' ]`)],
  };
  return {
    create: (jail, o) => new ExecAction({ jail: jailOf(jail, { action: "exec", exec }), log, ...o }),
    async held(jail) {
      const f = path.join(fw, jail);
      return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
    },
    async flush() {
      fs.rmSync(fw, { recursive: true, force: true });
      fs.writeFileSync(path.join(dir, "flushed"), "");
    },
    checkLists: false,
    removesOnStop: false,
  };
});

actionContract("dry-run", () => {
  const instances = new Map<string, DryRunAction>();
  return {
    create(jail) {
      const a = instances.get(jail) ?? new DryRunAction({ jail: jailOf(jail), log });
      instances.set(jail, a);
      return a;
    },
    removesOnStop: false,
  };
});
