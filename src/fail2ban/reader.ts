/**
 * Several fail2ban config files read as one, like fail2ban's SafeConfigParserWithIncludes:
 * `[INCLUDES] before/after`, `X.local` after `X.conf`, later files override earlier ones option by option
 * (the overridden values stay reachable as `known/...`), and `%(name)s` / `%(section/name)s` interpolation.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../core/errors.js";
import { type IniFile, parseIni, type RawSection, type RawValue } from "./ini.js";

const SECTION_OPTNAME = /^([\w-]+)\/([^\s>]+)$/;
const SECTION_OPTSUBST = /%\(([\w-]+\/([^)]+))\)s/g;
const CONDITIONAL = /^(\w+)(\?.+)$/;
const KEYCRE = /^%\(([^)]+)\)s/;
const MAX_INTERPOLATION_DEPTH = 10;

export class MissingOptionError extends Error {}

const fileCache = new Map<string, { mtimeMs: number; ini: IniFile }>();

function readIniCached(file: string): IniFile | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined;
  const hit = fileCache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs) return hit.ini;
  const ini = parseIni(readFileSync(file, "utf8"), file);
  fileCache.set(file, { mtimeMs: st.mtimeMs, ini });
  return ini;
}

function withLocal(files: string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    out.push(f);
    const local = `${f.slice(0, f.length - path.extname(f).length)}.local`;
    if (!files.includes(local) && existsSync(local)) out.push(local);
  }
  return out;
}

function includesOf(files: string[], seen: string[]): string[] {
  const out: string[] = [];
  for (const f of withLocal(files)) out.push(...includesOne(f, seen));
  return out;
}

function includesOne(resource: string, seen: string[]): string[] {
  const ini = readIniCached(resource);
  if (!ini) return [];
  const inc = ini.sections.get("INCLUDES");
  const lists: Record<"before" | "after", string[]> = { before: [], after: [] };
  if (inc) {
    const single = new Fail2banConfig();
    single.merge(ini);
    for (const which of ["before", "after"] as const) {
      if (!inc.has(which)) continue;
      const value = single.get("INCLUDES", which) ?? "";
      for (const name of value.split("\n")) {
        const r = path.isAbsolute(name) ? name : path.join(path.dirname(resource), name);
        if (seen.includes(r)) continue;
        lists[which].push(...includesOf([r], [...seen, resource]));
      }
    }
  }
  return [...lists.before, resource, ...lists.after];
}

/** The merged content of several config files, with configparser's get semantics. */
export class Fail2banConfig {
  readonly defaults: RawSection = new Map();
  readonly sections = new Map<string, RawSection>();
  readonly files: string[] = [];

  merge(ini: IniFile): void {
    this.files.push(ini.file);
    for (const [k, v] of ini.defaults) this.defaults.set(k, v);
    for (const [name0, s0] of ini.sections) {
      let name = name0;
      let s = s0;
      const cond = CONDITIONAL.exec(name0);
      if (cond) {
        name = cond[1];
        s = new Map([...s0].map(([k, v]) => [k + cond[2], v]));
      }
      const prev = this.sections.get(name);
      if (prev) {
        const known = this.sections.get(`KNOWN/${name}`) ?? new Map();
        for (const [k, v] of prev) if (s.has(k)) known.set(k, v);
        this.sections.set(`KNOWN/${name}`, known);
        for (const [k, v] of s) prev.set(k, v);
      } else this.sections.set(name, new Map(s));
    }
  }

  hasSection(section: string): boolean {
    return this.sections.has(section);
  }

  /** Option names of a section (own only, or with [DEFAULT]'s). */
  options(section: string, withDefault = false): string[] {
    const own = [...(this.sections.get(section)?.keys() ?? [])];
    return withDefault ? [...new Set([...own, ...this.defaults.keys()])] : own;
  }

  /** The raw value and where it was written. */
  raw(section: string, option: string, vars?: Record<string, string>): RawValue | undefined {
    const o = option.toLowerCase();
    if (vars && Object.hasOwn(vars, o)) return undefined;
    return (section === "DEFAULT" ? undefined : this.sections.get(section)?.get(o)) ?? this.defaults.get(o);
  }

  /**
   * configparser's get(section, option, vars): undefined when the section or option does not exist;
   * throws ConfigError when the interpolation fails.
   */
  get(section: string, option: string, vars: Record<string, string> = {}, raw = false): string | undefined {
    if (section !== "DEFAULT" && !this.sections.has(section)) return undefined;
    const o = option.toLowerCase();
    const lowered: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars)) lowered[k.toLowerCase()] = v;
    const sect = section === "DEFAULT" ? undefined : this.sections.get(section);
    const rv = sect?.get(o) ?? this.defaults.get(o);
    const value = Object.hasOwn(lowered, o) ? lowered[o] : rv?.value;
    if (value === undefined) return undefined;
    if (raw) return value;
    const overlay: Record<string, string> = { __name__: section, ...lowered };
    const lookup = (name: string): string | undefined => {
      if (Object.hasOwn(overlay, name)) return overlay[name];
      return (sect?.get(name) ?? this.defaults.get(name))?.value;
    };
    const acc: string[] = [];
    this.interpolate(section, option, acc, value, overlay, lookup, 1, rv);
    return acc.join("");
  }

  /** fail2ban's get_ex: `section/option` and `known/option` names, else get(section, option, vars). */
  getEx(section: string, option: string, vars: Record<string, string> = {}): string | undefined {
    const m = option.includes("/") ? SECTION_OPTNAME.exec(option) : null;
    if (m) {
      const sec = m[1].toLowerCase();
      const tries = sec === "known" ? [`KNOWN/${section}`, section] : [sec === "default" ? "DEFAULT" : m[1]];
      for (const s of tries) {
        const v = this.get(s, m[2]);
        if (v !== undefined) return v;
      }
    }
    return this.get(section, option, vars);
  }

  private interpolate(
    section: string,
    option: string,
    acc: string[],
    rest0: string,
    overlay: Record<string, string>,
    lookup: (name: string) => string | undefined,
    depth: number,
    where: RawValue | undefined,
  ): void {
    const fail = (message: string): never => {
      const o = where?.origin;
      throw new ConfigError([
        { file: o?.file ?? "<fail2ban config>", line: o?.line ?? 1, col: o?.cols[0] ?? 1, message },
      ]);
    };
    if (depth > MAX_INTERPOLATION_DEPTH)
      fail(`interpolation of "${option}" in [${section}] is nested too deeply (a loop?)`);
    this.mapSectionOptions(section, rest0, overlay);
    let rest = rest0;
    while (rest) {
      const p = rest.indexOf("%");
      if (p < 0) {
        acc.push(rest);
        return;
      }
      if (p > 0) {
        acc.push(rest.slice(0, p));
        rest = rest.slice(p);
      }
      const c = rest[1];
      if (c === "%") {
        acc.push("%");
        rest = rest.slice(2);
      } else if (c === "(") {
        const m = KEYCRE.exec(rest);
        if (!m) fail(`bad interpolation in "${option}": write %(name)s, or %% for a literal %`);
        const name = (m as RegExpExecArray)[1].toLowerCase();
        rest = rest.slice((m as RegExpExecArray)[0].length);
        const v = lookup(name);
        if (v === undefined)
          fail(
            `"${option}" in [${section}] refers to %(${name})s, which is not defined; define it or escape the % as %%`,
          );
        if ((v as string).includes("%"))
          this.interpolate(section, option, acc, v as string, overlay, lookup, depth + 1, where);
        else acc.push(v as string);
      } else fail(`"%" in "${option}" must be followed by "%" or "(": write %% for a literal %`);
    }
  }

  /** `%(section/option)s` and `%(known/option)s`: raw values put into the lookup overlay. */
  private mapSectionOptions(section: string, rest: string, overlay: Record<string, string>): void {
    if (!rest.includes("/") || !rest.includes("%(")) return;
    for (const m of rest.matchAll(SECTION_OPTSUBST)) {
      const sopt = m[1];
      const opt = m[2];
      if (Object.hasOwn(overlay, sopt)) continue;
      const sec = sopt.slice(0, sopt.length - opt.length - 1);
      const secl = sec.toLowerCase();
      let v: string | undefined;
      if (secl === "known") v = this.sections.get(`KNOWN/${section}`)?.get(opt)?.value;
      else if (secl !== "default") {
        const s = this.sections.get(sec);
        if (!s) continue;
        v = s.get(opt)?.value;
      }
      v ??= this.defaults.get(opt)?.value;
      if (v !== undefined) overlay[sopt] = v;
    }
  }
}

/** Reads files (each with its includes and .local) in order into one config. */
export function readConfigFiles(files: string[]): Fail2banConfig {
  const cfg = new Fail2banConfig();
  for (const f of includesOf(files, [])) {
    const ini = readIniCached(f);
    if (ini) cfg.merge(ini);
  }
  return cfg;
}

function sortedGlob(dir: string, ext: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith(ext))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/**
 * The files fail2ban reads for `basename` (e.g. /etc/fail2ban/jail or /etc/fail2ban/filter.d/sshd):
 * NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local — those that exist.
 */
export function configFilesFor(basename: string): string[] {
  const files = [
    `${basename}.conf`,
    ...sortedGlob(`${basename}.d`, ".conf"),
    `${basename}.local`,
    ...sortedGlob(`${basename}.d`, ".local"),
  ];
  return files.filter((f) => existsSync(f));
}

/** Reads jail.conf/jail.d/jail.local or filter.d/NAME.* as fail2ban does; undefined when none exists. */
export function readFail2banConfig(basename: string): Fail2banConfig | undefined {
  const files = configFilesFor(basename);
  return files.length ? readConfigFiles(files) : undefined;
}
