// Keyboard shortcuts: written as "mod+k", "alt+arrowdown", "shift+a", "?" or "j" ("mod" is Cmd
// on macOS and Ctrl elsewhere), matched against key events, and shown as people read them.

export const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

type Parsed = { mod: boolean; alt: boolean; shift: boolean; key: string };

function parse(shortcut: string): Parsed {
  const parts = shortcut.toLowerCase().split("+");
  const key = parts.pop() ?? "";
  return {
    mod: parts.includes("mod"),
    alt: parts.includes("alt"),
    shift: parts.includes("shift"),
    key,
  };
}

export function matches(e: KeyboardEvent, shortcut: string): boolean {
  const p = parse(shortcut);
  const mod = isMac ? e.metaKey : e.ctrlKey;
  if (mod !== p.mod || e.altKey !== p.alt) return false;
  const key = e.key.toLowerCase();
  // Printable symbols ("?", "/") already carry Shift in the character itself.
  if (key.length === 1 && !/[a-z0-9]/.test(key)) return key === p.key;
  if (e.shiftKey !== p.shift) return false;
  if (key === p.key) return true;
  // Alt (Option on macOS) changes the character; fall back to the physical key.
  return e.code.toLowerCase() === `key${p.key}` || e.code.toLowerCase() === `digit${p.key}`;
}

/** Whether the shortcut may fire while the user types in a field. */
export function worksWhileTyping(shortcut: string): boolean {
  const p = parse(shortcut);
  return p.mod || p.alt || p.key === "escape";
}

const names: Record<string, string> = {
  arrowdown: "↓",
  arrowup: "↑",
  escape: "Esc",
  enter: "Enter",
};

/** "mod+shift+f" → ["Ctrl", "Shift", "F"] (or ["⌘", "⇧", "F"] on macOS). */
export function keyLabels(shortcut: string): string[] {
  const p = parse(shortcut);
  const out: string[] = [];
  if (p.mod) out.push(isMac ? "⌘" : "Ctrl");
  if (p.alt) out.push(isMac ? "⌥" : "Alt");
  if (p.shift) out.push(isMac ? "⇧" : "Shift");
  out.push(names[p.key] ?? (p.key.length === 1 ? p.key.toUpperCase() : p.key));
  return out;
}

/** Whether a key event comes from a place where typing happens. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["checkbox", "radio", "button", "submit", "range"].includes(type);
}
