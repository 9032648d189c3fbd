/**
 * The two regex dialects of Wazuh SCA policies, compiled to JavaScript RegExps once, when a policy loads:
 * `osregex` (OSSEC's OS_Regex, the default of Wazuh 4.x policies) and `pcre2` (`regex_type: pcre2`, the
 * only one of Wazuh 5). A pattern JavaScript cannot express the same way is an error, never a guess.
 */

export type RegexEngine = "osregex" | "pcre2";

/** A pattern that does not compile; `offset` is where in the pattern, when known. */
export class AuditRegexError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
    this.name = "AuditRegexError";
  }
}

export function compileAuditRegex(pattern: string, engine: RegexEngine): RegExp {
  return engine === "pcre2" ? compilePcre2(pattern) : compileOsRegex(pattern);
}

// ---------------------------------------------------------------- OS_Regex

const WORD = "A-Za-z0-9@_\\-";
const PUNCT = "()*+,\\-.:;<=>?\\[\\]!\"'#$%&|{}";
/** OS_Regex's backslash classes, as JS character classes */
const OS_CLASSES: Record<string, string> = {
  w: `[${WORD}]`,
  W: `[^${WORD}]`,
  d: "[0-9]",
  D: "[^0-9]",
  s: "[ ]", // OS_Regex: \s is the ASCII space only (policies write \s*\t* for "blanks")
  S: "[^ ]",
  t: "\\t",
  p: `[${PUNCT}]`,
  ".": "[\\s\\S]",
};
/** characters OS_Regex takes literally after a backslash */
const OS_ESCAPED = new Set(["$", "(", ")", "\\", "|", "<"]);

/**
 * OS_Regex → RegExp. OS_Regex matches case-insensitively (OSSEC compares through a lowercase map), `.`
 * is a literal dot and `\.` any character, `+`/`*` apply only to backslash classes, `^`/`$` anchor only at
 * the ends of an alternative. One difference stays: OS_Regex does not backtrack, so a few patterns that
 * fail there (`\p*:` on ":") match here.
 */
export function compileOsRegex(pattern: string): RegExp {
  let out = "";
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined) throw new AuditRegexError("the pattern ends with a lone backslash", i);
      i++;
      if (OS_CLASSES[n]) {
        out += OS_CLASSES[n];
        const q = pattern[i + 1];
        if (q === "+" || q === "*") {
          out += q;
          i++;
        }
      } else if (OS_ESCAPED.has(n)) out += escapeLiteral(n);
      else
        throw new AuditRegexError(
          `"\\${n}" is not an OS_Regex expression (known: \\w \\W \\d \\D \\s \\S \\t \\p \\. and the escapes \\$ \\( \\) \\\\ \\| \\<); for a full regex set regex_type: pcre2`,
          i - 1,
        );
    } else if (c === "^") out += i === 0 || pattern[i - 1] === "|" ? "^" : "\\^";
    else if (c === "$") out += i === pattern.length - 1 || pattern[i + 1] === "|" ? "$" : "\\$";
    else if (c === "|") out += "|";
    else if (c === "(") {
      depth++;
      out += "(";
    } else if (c === ")") {
      if (depth === 0) throw new AuditRegexError('unbalanced ")": escape a literal one as "\\)"', i);
      depth--;
      out += ")";
    } else out += escapeLiteral(c);
  }
  if (depth > 0) throw new AuditRegexError('unbalanced "(": close it or escape it as "\\("', pattern.length);
  return new RegExp(out, "i");
}

function escapeLiteral(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? `\\${c}` : c;
}

// ---------------------------------------------------------------- PCRE2

/** letter and digit escapes PCRE2 and JavaScript read alike */
const SHARED_ESCAPES = new Set([..."dDwWsSbBnrtfvxck0123456789"]);

/**
 * One escape: PCRE2 takes any non-alphanumeric character after a backslash as itself (`\"`, `\:`,
 * `\-`), which JavaScript's stricter modes refuse, so those become plain literals; `\e` and `\a` are
 * control characters; a letter escape JavaScript reads differently (or not at all) is an error.
 */
function pcre2Escape(n: string, at: number): string {
  if (!/[A-Za-z0-9]/.test(n)) return /[\^$.*+?()[\]{}|/\\-]/.test(n) ? `\\${n}` : n;
  if (SHARED_ESCAPES.has(n)) return `\\${n}`;
  if (n === "e") return "\\x1b";
  if (n === "a") return "\\x07";
  throw new AuditRegexError(`the escape "\\${n}" is not supported; write the characters it stands for`, at);
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: "\\s",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
  word: "\\w",
};

/**
 * PCRE2 → RegExp, matching without regard to case as Wazuh 5 does: the common syntax is the same. Leading inline flags `(?i)`, `(?s)`, `(?m)` become
 * RegExp flags, `\A`/`\z`/`\Z` anchors, `\h` a blank, `[[:space:]]`-style classes their ranges. What
 * JavaScript lacks (possessive quantifiers, atomic groups, inline flags mid-pattern) is an error.
 */
export function compilePcre2(pattern: string): RegExp {
  let flags = "i"; // Wazuh 5 compiles SCA patterns with PCRE2_CASELESS
  let src = pattern;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) {
      if (f === "i" || f === "s" || f === "m") {
        if (!flags.includes(f)) flags += f;
      } else
        throw new AuditRegexError(`the inline flag "(?${f})" is not supported; use (?i), (?s) or (?m)`, 2);
    }
    src = src.slice(lead[0].length);
  }
  const offset = lead ? lead[0].length : 0;
  let out = "";
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    const at = offset + i;
    if (c === "\\") {
      const n = src[i + 1];
      if (n === undefined) throw new AuditRegexError("the pattern ends with a lone backslash", at);
      i++;
      if (!inClass && n === "A") out += "^";
      else if (!inClass && (n === "z" || n === "Z")) out += "$";
      else if (n === "h") out += inClass ? " \\t" : "[ \\t]";
      else if (n === "H" && !inClass) out += "[^ \\t]";
      else out += pcre2Escape(n, at);
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
      if (posix) {
        const range = POSIX_CLASSES[posix[2]];
        if (!range || posix[1])
          throw new AuditRegexError(`the POSIX class "${posix[0]}" is not supported`, at);
        out += range;
        i += posix[0].length - 1;
        continue;
      }
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (src[i + 1] === "^") {
        out += "^";
        i++;
      }
      if (src[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(" && src[i + 1] === "?") {
      const next = src[i + 2];
      if (next === ">") throw new AuditRegexError("atomic groups (?>...) are not supported; use (?:...)", at);
      if (next !== undefined && /[a-zA-Z-]/.test(next) && next !== "P")
        throw new AuditRegexError("inline flags are only supported at the start of the pattern, as (?i)", at);
      if (next === "P" && src[i + 3] === "<") {
        out += "(?<"; // PCRE's (?P<name>...) is JavaScript's (?<name>...)
        i += 3;
        continue;
      }
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && src[i + 1] === "+")
      throw new AuditRegexError(
        "possessive quantifiers (*+, ++, ?+) are not supported; drop the second +",
        at + 1,
      );
    out += c;
  }
  try {
    return new RegExp(out, flags);
  } catch (err) {
    throw new AuditRegexError(
      `invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "")}`,
    );
  }
}
