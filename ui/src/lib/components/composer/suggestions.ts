// What the composer suggests while typing: snippets after "/", people after "@" (comments).

/** The token being typed at the caret: its trigger, the text after it, and where it starts. */
export type Token = { trigger: "/" | "@"; query: string; start: number; end: number };

/**
 * Finds a "/shortcut" or "@name" token ending at the caret. A token starts the text or follows
 * whitespace, so "http://x" and "me@example.com" do not trigger anything.
 */
export function tokenAt(text: string, caret: number, triggers: ("/" | "@")[]): Token | null {
  let i = caret - 1;
  while (i >= 0) {
    const ch = text[i] ?? "";
    if ((triggers as string[]).includes(ch)) {
      const before = i === 0 ? "" : (text[i - 1] ?? "");
      if (before !== "" && !/\s/.test(before)) return null;
      const query = text.slice(i + 1, caret);
      // Names may hold one space ("@Alice Jo"); shortcuts never do.
      if (ch === "/" && /\s/.test(query)) return null;
      if (ch === "@" && (/\s\s/.test(query) || query.split(" ").length > 2)) return null;
      return { trigger: ch as "/" | "@", query, start: i, end: caret };
    }
    if (ch === "\n") return null;
    i--;
  }
  return null;
}

/** Replaces the token with `insert`, answering the new text and caret. */
export function replaceToken(text: string, token: Token, insert: string): { text: string; caret: number } {
  const next = text.slice(0, token.start) + insert + text.slice(token.end);
  return { text: next, caret: token.start + insert.length };
}

/** Inserts at the caret (or over the selection). */
export function insertAt(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number } {
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length };
}

/** Ranks by: shortcut/name starts with the query, then contains it. */
export function rank<T>(items: T[], query: string, keys: (item: T) => string[]): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return items;
  const score = (item: T) => {
    const values = keys(item).map((k) => k.toLowerCase());
    if (values.some((v) => v.startsWith(q))) return 0;
    if (values.some((v) => v.includes(q))) return 1;
    return 2;
  };
  return items
    .map((item) => ({ item, s: score(item) }))
    .filter((x) => x.s < 2)
    .sort((a, b) => a.s - b.s)
    .map((x) => x.item);
}
