/**
 * What rules read from the host: files (aimed at a root), directory trees, the process list and a
 * command's output. Each answers "could not read, because ..." instead of throwing, so a rule can be
 * not applicable with a reason. Commands run with spawn and an argv array, never a shell.
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { matchingNames, nameGlob } from "./name-glob.js";

export type Read<T> = ({ ok: true } & T) | { ok: false; error: string };

/** a file larger than this is not read (a policy checks config files, not logs) */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const MAX_DIR_DEPTH = 8;
const MAX_DIR_FILES = 20_000;

/**
 * The paths a rule's targets name under root. mamori takes `*` and `?` in a target's last segment
 * (`/etc/ssh/sshd_config.d/*.conf`): sshd's Include files need no second rule.
 */
export async function targetPaths(targets: readonly string[], root: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    const full = root === "/" ? t : path.join(root, t);
    const glob = nameGlob(path.basename(full));
    if (!glob) {
      out.push(full);
      continue;
    }
    try {
      const names = matchingNames(await fs.readdir(path.dirname(full)), glob);
      out.push(...names.map((n) => path.join(path.dirname(full), n)));
    } catch {
      // a glob whose folder is missing names no file
    }
  }
  return out;
}

/** The file's lines (existenceOnly: only whether it exists). */
export async function readFileLines(p: string, existenceOnly: boolean): Promise<Read<{ lines: string[] }>> {
  try {
    if (existenceOnly) {
      // as Wazuh: f: is a regular file (a symlink to one counts), not a folder or a device
      if ((await fs.stat(p)).isFile()) return { ok: true, lines: [] };
      return { ok: false, error: `${p} is not a regular file` };
    }
    const st = await fs.stat(p);
    if (st.isDirectory()) return { ok: false, error: `${p} is a directory, not a file` };
    if (st.size > MAX_FILE_BYTES)
      return { ok: false, error: `${p} is larger than ${MAX_FILE_BYTES} bytes; not read` };
    return { ok: true, lines: toLines(await fs.readFile(p, "utf8")) };
  } catch (err) {
    return { ok: false, error: readError(p, err) };
  }
}

/** Every regular file under dir (recursively, symlinks not followed). */
export async function readDirFiles(dir: string): Promise<Read<{ files: string[] }>> {
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) return { ok: false, error: `${dir} is not a directory` };
  } catch (err) {
    return { ok: false, error: readError(dir, err) };
  }
  const files: string[] = [];
  const walk = async (d: string, depth: number) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (files.length >= MAX_DIR_FILES) return;
      const p = path.join(d, e.name);
      if (e.isFile()) files.push(p);
      else if (e.isDirectory() && depth < MAX_DIR_DEPTH) await walk(p, depth + 1);
    }
  };
  await walk(dir, 0);
  return { ok: true, files };
}

export interface ProcessInfo {
  pid: number;
  /** its names: /proc/PID/comm and the base name of argv[0] */
  names: string[];
}

export async function runningProcesses(procDir: string): Promise<ProcessInfo[]> {
  const out: ProcessInfo[] = [];
  for (const entry of await fs.readdir(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = (await fs.readFile(path.join(procDir, entry, "comm"), "utf8")).replace(/\n$/, "");
      const argv0 = (await fs.readFile(path.join(procDir, entry, "cmdline"), "utf8")).split("\0")[0];
      const names = [comm];
      const base = argv0 ? path.basename(argv0) : "";
      if (base && base !== comm) names.push(base);
      out.push({ pid: Number(entry), names });
    } catch {
      // the process ended while being read
    }
  }
  return out;
}

/**
 * Runs argv (no shell) and returns its output (stdout, then stderr), or why it could not run. The
 * program runs in its own process group: at the timeout, and once it has exited, the whole group is
 * killed, so neither a hung command nor a child it left behind holds the scan.
 */
export function readCommand(argv: readonly string[], timeoutMs: number): Promise<Read<{ lines: string[] }>> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      // no spawn `timeout`: after a failed spawn (EMFILE) it would kill pid 0, our own process group
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
    });
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    let size = 0;
    const take = (into: Buffer[]) => (b: Buffer) => {
      if (size >= MAX_OUTPUT_BYTES) return;
      size += b.length;
      into.push(b);
    };
    let done = false;
    let timedOut = false;
    const finish = (r: Read<{ lines: string[] }>) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is gone already
      }
    };
    if (!child.stdout || !child.stderr) {
      // the spawn failed (EMFILE, ENFILE): 'error' says why
      child.on("error", (err) => finish({ ok: false, error: `cannot run ${argv[0]}: ${err.message}` }));
      return;
    }
    child.stdout.on("data", take(chunks));
    child.stderr.on("data", take(errChunks));
    const timer = AbortSignal.timeout(timeoutMs);
    const onTimeout = () => {
      timedOut = true;
      killGroup();
    };
    timer.addEventListener("abort", onTimeout, { once: true });
    child.once("close", () => timer.removeEventListener("abort", onTimeout));
    child.on("error", (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      finish({
        ok: false,
        error: code === "ENOENT" ? `command ${argv[0]} not found` : `cannot run ${argv[0]}: ${err.message}`,
      });
    });
    child.on("exit", () => {
      killGroup();
      if (timedOut) {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ ok: false, error: `${argv[0]} did not finish within ${timeoutMs / 1000} s and was killed` });
      }
    });
    child.on("close", () => {
      const text = Buffer.concat([...chunks, ...errChunks]).toString("utf8");
      finish({ ok: true, lines: toLines(text) });
    });
  });
}

function toLines(text: string): string[] {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function readError(p: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `${p} does not exist`;
  if (code === "EACCES") return `${p} cannot be read (permission denied; run as root or grant read access)`;
  return `${p} cannot be read: ${(err as Error).message}`;
}
