/** The line that replaces what did not fit, e.g. `…and 12 more`. */
export function moreLine(count: number): string {
  return `…and ${count} more`;
}

/** Cuts `text` to at most `maxChars` characters, marking the cut with `…`. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  // Never split a surrogate pair (an emoji in an instance name, say).
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

export interface LineLimits {
  /** Most item lines kept; the `…and N more` line comes on top. */
  readonly maxLines: number;
  /** Most characters of all kept lines joined with `separator`, the `…and N more` line included. */
  readonly maxChars: number;
  /** Each line is cut to this length first. */
  readonly maxLineChars: number;
  readonly separator: string;
}

/**
 * Keeps as many whole lines as the limits allow and says how many were left out, so a purge of
 * thousands of images still makes one readable message within the platform's limits. Each kept
 * line leaves room for the `…and N more` line that may have to follow it.
 */
export function boundLines(lines: readonly string[], limits: LineLimits): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const [index, rawLine] of lines.entries()) {
    const line = truncateText(rawLine, limits.maxLineChars);
    const cost = (kept.length > 0 ? limits.separator.length : 0) + line.length;
    const left = lines.length - index - 1;
    const reserve = left > 0 ? limits.separator.length + moreLine(left).length : 0;
    if (kept.length >= limits.maxLines || used + cost + reserve > limits.maxChars) {
      kept.push(moreLine(lines.length - index));
      return kept;
    }
    kept.push(line);
    used += cost;
  }
  return kept;
}
