/**
 * One fail2ban config file, parsed as Python's configparser does for fail2ban (strict, `=` or `:`
 * delimiters, lower-cased option names, `#`/`;` comment lines, `;` inline comments after whitespace,
 * indented continuation lines, empty lines kept inside values). Values stay raw (not interpolated).
 */
import { ConfigError } from "../core/errors.js";

/** Where a value was written: its file, the line of `name = ...` and the line of each value line. */
export interface ValueOrigin {
  file: string;
  line: number;
  /** 1-based line number of each line of the joined value */
  lines: number[];
  /** 1-based column where each value line starts */
  cols: number[];
}

export interface RawValue {
  value: string;
  origin: ValueOrigin;
}

export type RawSection = Map<string, RawValue>;

export interface IniFile {
  file: string;
  defaults: RawSection;
  /** sections in file order (DEFAULT excluded) */
  sections: Map<string, RawSection>;
}

const SECTION = /^\[(?<header>.+)\]/;
const OPTION = /^(?<option>.*?)\s*(?<vi>[=:])\s*(?<value>.*)$/;

/** Python's str.isspace() for the character before an inline comment. */
function isSpace(c: string | undefined): boolean {
  return c !== undefined && /[\s\u001c-\u001f\u0085]/.test(c);
}

function stripComment(line: string): { text: string; comment: boolean } {
  let cut = -1;
  let idx = -1;
  for (;;) {
    idx = line.indexOf(";", idx + 1);
    if (idx < 0) break;
    if (idx === 0 || isSpace(line[idx - 1])) {
      cut = idx;
      break;
    }
  }
  const trimmed = line.trim();
  if (trimmed.startsWith("#") || trimmed.startsWith(";")) return { text: "", comment: true };
  const text = (cut >= 0 ? line.slice(0, cut) : line).trim();
  return { text, comment: cut >= 0 };
}

interface Pending {
  section: RawSection;
  name: string;
  lines: string[];
  lineNos: number[];
  cols: number[];
  line: number;
}

export function parseIni(text: string, file: string): IniFile {
  const out: IniFile = { file, defaults: new Map(), sections: new Map() };
  const problems: { file: string; line: number; col: number; message: string }[] = [];
  const added = new Set<string>();
  let cur: RawSection | undefined;
  let curName = "";
  let pending: Pending | undefined;
  let indentLevel = 0;
  const finish = () => {
    if (!pending) return;
    while (pending.lines.length > 1 && pending.lines[pending.lines.length - 1] === "") {
      pending.lines.pop();
      pending.lineNos.pop();
      pending.cols.pop();
    }
    const value = pending.lines.join("\n").replace(/\s+$/, "");
    pending.section.set(pending.name, {
      value,
      origin: { file, line: pending.line, lines: pending.lineNos, cols: pending.cols },
    });
    pending = undefined;
  };
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const { text: value, comment } = stripComment(raw);
    if (!value) {
      if (!comment && pending) {
        pending.lines.push("");
        pending.lineNos.push(lineNo);
        pending.cols.push(1);
      }
      return;
    }
    const indent = raw.search(/\S/);
    const col = indent + 1;
    if (pending && indent > indentLevel) {
      pending.lines.push(value);
      pending.lineNos.push(lineNo);
      pending.cols.push(col);
      return;
    }
    finish();
    indentLevel = indent;
    const sect = SECTION.exec(value);
    if (sect?.groups) {
      const name = sect.groups.header;
      curName = name;
      if (name === "DEFAULT") cur = out.defaults;
      else {
        if (added.has(name))
          problems.push({
            file,
            line: lineNo,
            col,
            message: `section [${name}] already exists in this file; merge the two sections`,
          });
        added.add(name);
        cur = out.sections.get(name) ?? new Map();
        out.sections.set(name, cur);
      }
      return;
    }
    if (!cur) {
      problems.push({
        file,
        line: lineNo,
        col,
        message: "option outside of any section; add a [Section] header above it",
      });
      return;
    }
    const opt = OPTION.exec(value);
    if (!opt?.groups || !opt.groups.option) {
      problems.push({
        file,
        line: lineNo,
        col,
        message: `cannot parse "${value}": expected "name = value" or an indented continuation line`,
      });
      return;
    }
    const name = opt.groups.option.trimEnd().toLowerCase();
    const key = `${curName}\u0000${name}`;
    if (added.has(key))
      problems.push({
        file,
        line: lineNo,
        col,
        message: `option "${name}" already set in section [${curName}] of this file`,
      });
    added.add(key);
    const valueCol = col + value.length - opt.groups.value.length;
    pending = {
      section: cur,
      name,
      lines: [opt.groups.value.trim()],
      lineNos: [lineNo],
      cols: [valueCol],
      line: lineNo,
    };
  });
  finish();
  if (problems.length) throw new ConfigError(problems);
  return out;
}
