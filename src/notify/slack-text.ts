/**
 * Slack reads `text` and mrkdwn blocks as markup: `<!channel>` pings everyone, `<https://x|click>` is a
 * link, and a backtick run closes a code block. Text that comes from logs (user names, sample lines,
 * stream names) is made inert here before it is put into any Slack field; only mamori's own markup
 * (`*BANNED*`, the ``` around samples) stays markup.
 */

/** Slack's own escaping: the only three characters its parser treats as control characters. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Escaped, with every backtick replaced by U+02CB (ˋ, which looks the same and is not markup), so the
 * text can neither open nor close a code span or block.
 */
export function slackInert(text: string): string {
  return slackEscape(text).replace(/`/g, "\u02cb");
}

/**
 * A ``` block whose content is inert: the block ends where mamori ends it, never earlier. Content longer
 * than `max` characters is cut inside the block, so the closing fence is never cut off.
 */
export function slackCodeBlock(lines: readonly string[], max = Number.POSITIVE_INFINITY): string {
  let body = lines.map(slackInert).join("\n");
  if (body.length > max) body = `${body.slice(0, Math.max(0, max - 1))}…`;
  return `\`\`\`${body}\`\`\``;
}
