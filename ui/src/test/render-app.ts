// Renders the signed-in app over a MemoryBackend filled with a small workspace.
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../App.svelte";
import type { Contact } from "../lib/bindings/Contact";
import type { Message } from "../lib/bindings/Message";
import type { TimelineEntry } from "../lib/bindings/TimelineEntry";
import { ADA, at, contact, conversation, message, workspace } from "./fixtures";
import { MemoryBackend } from "./memory-backend";

export function seeded(): MemoryBackend {
  const b = new MemoryBackend();
  b.session = { server_url: "http://127.0.0.1:8080", user: ADA };
  b.workspaceData = workspace();
  const maria = contact("10", "Maria Lopez", { last_message_at: at(30), email: "maria@example.com", tags: ["vip"] });
  const sam = contact("11", "Sam Smith", { last_message_at: at(20), assignee_id: ADA.id });
  const olga = contact("12", "Olga Closed", { last_message_at: at(10), open_conversation_id: null });
  b.contacts = [maria, sam, olga];
  b.unread.set("10", 2);
  b.conversations.set("10", [conversation("10")]);
  b.timelines.set("10", [
    entry(message("10", "Conversation opened by Maria Lopez", { id: "a1", direction: "activity", sender: { kind: "system" }, activity: { kind: "conversation_opened", actor: { kind: "contact", id: "10" } }, created_at: at(0) })),
    entry(message("10", "Hello, where is my refund?", { id: "m-in", created_at: at(1) })),
  ]);
  return b;
}

export function entry(m: Message): TimelineEntry {
  return { kind: "message", message: m, pending: null };
}

export async function renderApp(backend: MemoryBackend) {
  const user = userEvent.setup();
  const result = render(App, { backend });
  await screen.findAllByTestId("contact-item");
  return { user, ...result };
}

export async function openContact(user: ReturnType<typeof userEvent.setup>, c: Contact | string) {
  const id = typeof c === "string" ? c : c.id;
  const row = (await screen.findAllByTestId("contact-item")).find((r) => r.dataset.contactId === id);
  if (!row) throw new Error(`no row for contact ${id}`);
  await user.click(row);
  return screen.findByTestId("conversation-header");
}
