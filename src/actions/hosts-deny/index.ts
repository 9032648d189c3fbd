/**
 * hosts-deny: TCP wrappers lines (`sshd: 1.2.3.4`, IPv6 as `sshd: [2001:db8::1]`) in /etc/hosts.deny
 * or the jail's `hosts_deny` file. mamori's lines for a jail live between two marker comments, so the
 * lines a person wrote are never changed. Every change rewrites the file atomically (temp file in the
 * same folder, fsync, rename) and changes to one file are serialized within the process.
 */
import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { type BanTarget, requireTarget } from "../target.js";
import type { ActionOptions, ActionReport, BanAction, BanInfo, UnbanInfo } from "../types.js";

const DEFAULT_FILE = "/etc/hosts.deny";

/** The TCP wrappers client pattern for a target. */
export function wrappersClient(t: BanTarget): string {
  if (t.family === "ipv4") return t.isPrefix ? t.text : t.addr;
  return t.isPrefix ? `[${t.addr}]/${t.bits}` : `[${t.addr}]`;
}

/**
 * The daemon list of the lines: the jail's `daemon` key; else `sshd` for an sshd jail (the line
 * `sshd: 1.2.3.4` people expect); else `ALL`, as fail2ban's hostsdeny action does.
 */
export function wrappersDaemon(jail: ActionOptions["jail"]): string {
  if (jail.daemon) return jail.daemon;
  return jail.name === "sshd" || path.basename(jail.filter).replace(/\.conf$/, "") === "sshd"
    ? "sshd"
    : "ALL";
}

const locks = new Map<string, Promise<unknown>>();

/** Runs fn after every earlier change to the same file in this process. */
function serialized<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(file) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => {});
  locks.set(file, tail);
  void tail.then(() => {
    if (locks.get(file) === tail) locks.delete(file);
  });
  return next;
}

interface Block {
  before: string[];
  entries: string[];
  after: string[];
}

export class HostsDenyAction implements BanAction {
  readonly name = "hosts-deny";
  readonly file: string;
  private readonly daemon: string;
  private readonly begin: string;
  private readonly end: string;
  private readonly removeOnStop: boolean;

  constructor(o: ActionOptions) {
    this.file = o.jail.hosts_deny ?? DEFAULT_FILE; // absolute: the config loader resolved it
    this.daemon = wrappersDaemon(o.jail);
    this.begin = `# mamori jail ${o.jail.name}: begin (managed by mamori, do not edit between these lines)`;
    this.end = `# mamori jail ${o.jail.name}: end`;
    this.removeOnStop = o.removeOnStop ?? false;
  }

  async start(): Promise<void> {
    await fs.access(path.dirname(this.file), constants.W_OK);
  }

  async ban(target: string, _info?: BanInfo): Promise<void> {
    const line = `${this.daemon}: ${wrappersClient(requireTarget(target))}`;
    await this.edit((b) => (b.entries.includes(line) ? undefined : { ...b, entries: [...b.entries, line] }));
  }

  async unban(target: string, _info?: UnbanInfo): Promise<void> {
    const line = `${this.daemon}: ${wrappersClient(requireTarget(target))}`;
    await this.edit((b) =>
      b.entries.includes(line) ? { ...b, entries: b.entries.filter((l) => l !== line) } : undefined,
    );
  }

  async check(): Promise<ActionReport> {
    try {
      await fs.access(path.dirname(this.file), constants.W_OK);
    } catch {
      return {
        ok: false,
        detail: `cannot write in ${path.dirname(this.file)}: run mamori as root or set hosts_deny to a writable file`,
      };
    }
    const b = this.split(await this.read());
    const prefix = `${this.daemon}: `;
    const banned = b.entries
      .filter((l) => l.startsWith(prefix))
      .map((l) => l.slice(prefix.length).replace(/^\[([^\]]+)\]/, "$1"));
    return { ok: true, banned };
  }

  async stop(): Promise<void> {
    if (this.removeOnStop) await this.edit((b) => (b.entries.length > 0 ? { ...b, entries: [] } : undefined));
  }

  private async read(): Promise<string> {
    try {
      return await fs.readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw err;
    }
  }

  private split(text: string): Block {
    const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
    const i = lines.indexOf(this.begin);
    const j = i < 0 ? -1 : lines.indexOf(this.end, i + 1);
    if (i < 0 || j < 0) return { before: lines, entries: [], after: [] };
    return { before: lines.slice(0, i), entries: lines.slice(i + 1, j), after: lines.slice(j + 1) };
  }

  private join(b: Block): string {
    const block = b.entries.length > 0 ? [this.begin, ...b.entries, this.end] : [];
    const lines = [...b.before, ...block, ...b.after];
    return lines.length > 0 ? `${lines.join("\n")}\n` : "";
  }

  /** Reads, changes (undefined = nothing to do) and atomically replaces the file. */
  private edit(change: (b: Block) => Block | undefined): Promise<void> {
    return serialized(this.file, async () => {
      const text = await this.read();
      const next = change(this.split(text));
      if (!next) return;
      const out = this.join(next);
      if (out === text) return;
      const mode = await fs.stat(this.file).then(
        (s) => s.mode & 0o7777,
        () => 0o644,
      );
      const tmp = `${this.file}.mamori-${process.pid}.tmp`;
      const handle = await fs.open(tmp, "w", mode);
      try {
        await handle.writeFile(out, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, this.file);
    });
  }
}

export const hostsDeny = (o: ActionOptions): BanAction => new HostsDenyAction(o);
