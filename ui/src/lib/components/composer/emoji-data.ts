// The emoji set (Emojibase's English data), loaded on first use so start-up stays small.
export type Emoji = { unicode: string; label: string; tags: string[]; group: number };

export const GROUPS: { id: number; label: string; icon: string }[] = [
  { id: 0, label: "Smileys & emotion", icon: "😀" },
  { id: 1, label: "People & body", icon: "👋" },
  { id: 3, label: "Animals & nature", icon: "🐻" },
  { id: 4, label: "Food & drink", icon: "🍕" },
  { id: 5, label: "Travel & places", icon: "✈️" },
  { id: 6, label: "Activities", icon: "⚽" },
  { id: 7, label: "Objects", icon: "💡" },
  { id: 8, label: "Symbols", icon: "❤️" },
  { id: 9, label: "Flags", icon: "🏁" },
];

let loaded: Promise<Emoji[]> | null = null;

type Raw = { unicode: string; label: string; tags?: string[]; group?: number; order?: number };

export function loadEmojis(): Promise<Emoji[]> {
  loaded ??= import("emojibase-data/en/compact.json").then((m) =>
    (m.default as Raw[])
      .filter((e) => e.group !== undefined && e.group !== 2)
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
      .map((e) => ({ unicode: e.unicode, label: e.label, tags: e.tags ?? [], group: e.group ?? 0 })),
  );
  return loaded;
}

const RECENT_KEY = "is-messenger.recent-emojis";

export function recentEmojis(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").slice(0, 24) : [];
  } catch {
    return [];
  }
}

export function rememberEmoji(unicode: string): void {
  const next = [unicode, ...recentEmojis().filter((e) => e !== unicode)].slice(0, 24);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // A full or missing storage only loses the recent list.
  }
}
