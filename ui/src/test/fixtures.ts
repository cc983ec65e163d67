// Builders for the wire types, for component tests.
import type { Channel } from "../lib/bindings/Channel";
import type { Comment } from "../lib/bindings/Comment";
import type { Contact } from "../lib/bindings/Contact";
import type { Conversation } from "../lib/bindings/Conversation";
import type { Message } from "../lib/bindings/Message";
import type { User } from "../lib/bindings/User";
import type { Workspace } from "../lib/bindings/Workspace";

export const T0 = "2026-11-27T09:00:00.000Z";

export function at(minutes: number): string {
  return new Date(Date.parse(T0) + minutes * 60_000).toISOString();
}

export function user(id: string, name: string, role: User["role"] = "agent"): User {
  // What the server states for each role (domain::capabilities).
  const admin = role !== "agent";
  return {
    id,
    name,
    email: `${name.split(" ")[0]?.toLowerCase()}@example.com`,
    role,
    status: "online",
    active: true,
    capabilities: { administer: admin, merge_contacts: admin, manage_api_tokens: admin },
  };
}

export const ADA = user("1", "Ada Agent");
export const BOB = user("2", "Bob Manager", "manager");
export const CAT = user("3", "Cat Colleague");

export const WHATSAPP: Channel = {
  id: "ch1",
  name: "WhatsApp",
  kind: "custom",
  supports_voice: true,
  outbound_url: null,
  bot_url: null,
  created_at: T0,
};

export function workspace(me: User = ADA, overrides: Partial<Workspace> = {}): Workspace {
  return {
    me,
    settings: {
      unassign_on_close: false,
      closing_note_mode: "category_required",
      agent_visibility: "all",
      offline_after_minutes: 5,
      closing_note: { asked: true, category_required: true, summary_required: false },
    },
    users: [ADA, BOB, CAT],
    channels: [WHATSAPP],
    categories: [
      { id: "k1", name: "Resolved", description: "The question was answered." },
      { id: "k2", name: "Spam", description: "Nothing to answer." },
    ],
    snippets: [
      { id: "s1", name: "Thanks", shortcut: "thanks", text: "Thanks {{contact.first_name}}, {{user.first_name}} here!" },
      { id: "s2", name: "Opening hours", shortcut: "hours", text: "We are open 9 to 5." },
    ],
    custom_fields: [
      { id: "f1", name: "Plan", slug: "plan", description: "", data_type: "list", allowed_values: ["Gold", "Silver"], created_at: T0 },
    ],
    ...overrides,
  };
}

export function contact(id: string, name: string, overrides: Partial<Contact> = {}): Contact {
  return {
    id,
    name,
    first_name: name.split(" ")[0] ?? name,
    email: null,
    phone: null,
    tags: [],
    assignee_id: null,
    open_conversation_id: `conv-${id}`,
    last_message_at: T0,
    last_message_preview: `Hello from ${name}`,
    waiting_since: null,
    channels: [{ channel_id: WHATSAPP.id, external_id: `wa-${id}` }],
    created_at: T0,
    profile: {},
    custom_fields: {},
    ...overrides,
  };
}

export function conversation(contactId: string, overrides: Partial<Conversation> = {}): Conversation {
  return {
    id: `conv-${contactId}`,
    contact_id: contactId,
    channel_id: WHATSAPP.id,
    status: "open",
    opened_at: T0,
    opened_by: { kind: "contact", id: contactId },
    closed_at: null,
    closed_by: null,
    closing_note: null,
    first_response_at: null,
    ...overrides,
  };
}

let nextId = 1;

export function message(contactId: string, text: string, overrides: Partial<Message> = {}): Message {
  const id = overrides.id ?? `m${nextId++}`;
  return {
    id,
    client_id: null,
    contact_id: contactId,
    conversation_id: `conv-${contactId}`,
    channel_id: WHATSAPP.id,
    direction: "incoming",
    sender: { kind: "contact", id: contactId },
    text,
    attachments: [],
    delivery: "delivered",
    error: null,
    activity: null,
    created_at: T0,
    ...overrides,
  };
}

export function comment(contactId: string, text: string, author = ADA, overrides: Partial<Comment> = {}): Comment {
  return {
    id: `c${nextId++}`,
    client_id: null,
    contact_id: contactId,
    author_id: author.id,
    author: { kind: "user", id: author.id },
    text,
    mentions: [],
    created_at: T0,
    ...overrides,
  };
}
