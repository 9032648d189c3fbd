/**
 * The globs policies and `audit.policies` allow: `*` and `?` in the last path segment only
 * (`/etc/ssh/sshd_config.d/*.conf`), as Wazuh expands them.
 */

/** A matcher for a last segment with `*` or `?`; undefined when the segment is a plain name. */
export function nameGlob(base: string): RegExp | undefined {
  if (!/[*?]/.test(base)) return undefined;
  return new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
}

/** The names in a folder listing that the glob matches, hidden ones excepted, sorted. */
export function matchingNames(names: readonly string[], glob: RegExp): string[] {
  return names.filter((n) => glob.test(n) && !n.startsWith(".")).sort();
}
