/**
 * fail2ban's `<tag>` substitution between options (helpers.substituteRecursiveTags): `<mode>` inside
 * `failregex = ... <mdre-<mode>>` is replaced by the option `mode`, repeatedly, with a loop guard.
 */
import { ConfigError } from "../core/errors.js";

const TAG = /<([^ <>]+)>/g;
const MAX_TAG_REPLACE_COUNT = 25;

function search(value: string, from: number): RegExpExecArray | null {
  TAG.lastIndex = from;
  return TAG.exec(value);
}

export function substituteRecursiveTags(
  input: Record<string, string>,
  opts: { ignore?: Set<string>; addrepl?: (tag: string) => string | undefined; where?: string } = {},
): Record<string, string> {
  const ignore = opts.ignore ?? new Set<string>();
  const done = new Set<string>();
  const tags: Record<string, string> = { ...input };
  const repCounts = new Map<string, Map<string, number>>();
  for (;;) {
    let repFlag = false;
    for (const tag of Object.keys(tags)) {
      if (ignore.has(tag) || done.has(tag)) continue;
      const orgval = tags[tag];
      let value = orgval;
      const rplc = repCounts.get(tag) ?? new Map<string, number>();
      let m = search(value, 0);
      while (m) {
        const rtag = m[1];
        if (ignore.has(rtag)) {
          m = search(value, m.index + m[0].length);
          continue;
        }
        if (rtag === tag || (rplc.get(rtag) ?? 1) > MAX_TAG_REPLACE_COUNT) {
          throw new ConfigError([
            {
              file: opts.where ?? "<fail2ban config>",
              line: 1,
              col: 1,
              message: `option "${tag}" refers to itself through <${rtag}>; the tags cannot be resolved`,
            },
          ]);
        }
        let repl: string | undefined = Object.hasOwn(tags, rtag) ? tags[rtag] : undefined;
        if (repl === undefined && opts.addrepl) repl = opts.addrepl(rtag);
        if (repl === undefined) {
          m = search(value, m.index + m[0].length);
          continue;
        }
        value = value.split(`<${rtag}>`).join(repl);
        rplc.set(rtag, (rplc.get(rtag) ?? 0) + 1);
        m = search(value, m.index);
      }
      if (orgval !== value) {
        if (search(value, 0)) {
          repCounts.set(tag, rplc);
          repFlag = true;
        }
        tags[tag] = value;
      }
      if (!value.includes("<")) done.add(tag);
    }
    if (!repFlag) break;
  }
  return tags;
}
