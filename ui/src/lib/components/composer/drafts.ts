// Unsent text per contact and mode, kept while switching contacts and across restarts.
const KEY = "is-messenger.drafts";

type Drafts = Record<string, string>;

function read(): Drafts {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return v && typeof v === "object" ? (v as Drafts) : {};
  } catch {
    return {};
  }
}

export function loadDraft(key: string): string {
  return read()[key] ?? "";
}

export function saveDraft(key: string, text: string): void {
  const all = read();
  if (text) all[key] = text;
  else delete all[key];
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage full or unavailable: the draft lives only on screen.
  }
}
