// An in-memory Backend for component tests: it keeps the agent's contract (reads from a local
// model, writes shown at once as pending, events for what changed) without a window or a server.
// The real agent is exercised by the Rust tests and the end-to-end suite.
import { type Backend, BackendError } from "../lib/backend";
import type { AgentEvent } from "../lib/bindings/AgentEvent";
import type { ApiToken } from "../lib/bindings/ApiToken";
import type { Contact } from "../lib/bindings/Contact";
import type { Conversation } from "../lib/bindings/Conversation";
import type { InboxQuery } from "../lib/bindings/InboxQuery";
import type { InboxRow } from "../lib/bindings/InboxRow";
import type { Message } from "../lib/bindings/Message";
import type { OutboxEntry } from "../lib/bindings/OutboxEntry";
import type { PendingChanges } from "../lib/bindings/PendingChanges";
import type { ReportView } from "../lib/bindings/ReportView";
import type { SearchHit } from "../lib/bindings/SearchHit";
import type { Session } from "../lib/bindings/Session";
import type { StatusFilter } from "../lib/bindings/StatusFilter";
import type { SyncState } from "../lib/bindings/SyncState";
import type { TimelineEntry } from "../lib/bindings/TimelineEntry";
import type { TokenStorage } from "../lib/bindings/TokenStorage";
import type { VoiceDraft } from "../lib/bindings/VoiceDraft";
import type { Workspace } from "../lib/bindings/Workspace";
import { T0, message } from "./fixtures";

const NO_CHANGES: PendingChanges = { assignee: null, open: null };

type Call = { method: string; args: unknown[] };

export class MemoryBackend implements Backend {
  session: Session | null = null;
  accounts = new Map<string, { password: string; name: string }>();
  defaults = { server_url: "", email: "" };
  storage: TokenStorage = { kind: "keychain" };
  signOuts = 0;

  workspaceData: Workspace | null = null;
  contacts: Contact[] = [];
  unread = new Map<string, number>();
  timelines = new Map<string, TimelineEntry[]>();
  conversations = new Map<string, Conversation[]>();
  outboxEntries: OutboxEntry[] = [];
  sync: SyncState = { status: "online", since: T0, progress: null, last_error: null, skipped_events: 0, retry_at: null };
  reportView: ReportView | null = null;
  tokens: ApiToken[] = [];
  /** Every write, in order, for assertions. */
  calls: Call[] = [];
  marks: string[] = [];
  focused: string | null = null;
  recording = false;
  private listeners = new Set<(e: AgentEvent) => void>();
  private nextClient = 1;

  emit(event: AgentEvent): void {
    for (const l of this.listeners) l(event);
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  callsOf(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  signInDefaults() {
    return Promise.resolve({ ...this.defaults });
  }

  currentSession() {
    return Promise.resolve(this.session);
  }

  tokenStorage(): Promise<TokenStorage> {
    return Promise.resolve(this.storage);
  }

  signIn(serverUrl: string, email: string, password: string): Promise<Session> {
    const account = this.accounts.get(email);
    if (!account || account.password !== password) {
      return Promise.reject(new BackendError("refused", "Wrong email or password."));
    }
    this.session = {
      server_url: serverUrl,
      user: { id: "1", name: account.name, email, role: "agent", status: "online", active: true, capabilities: { administer: false, merge_contacts: false, manage_api_tokens: false } },
    };
    return Promise.resolve(this.session);
  }

  signOut() {
    this.session = null;
    this.signOuts += 1;
    return Promise.resolve();
  }

  onEvent(handler: (e: AgentEvent) => void) {
    this.listeners.add(handler);
    return Promise.resolve(() => void this.listeners.delete(handler));
  }

  onResync() {
    return Promise.resolve(() => undefined);
  }

  workspace() {
    return Promise.resolve(this.workspaceData);
  }

  syncState() {
    return Promise.resolve(this.sync);
  }

  retrySync() {
    this.record("retrySync");
    return Promise.resolve();
  }

  private matches(c: Contact, view: InboxQuery["view"], status: StatusFilter, text: string | null): boolean {
    const me = this.workspaceData?.me.id ?? this.session?.user.id;
    if (view === "mine" && c.assignee_id !== me) return false;
    if (view === "unassigned" && c.assignee_id !== null) return false;
    if (status === "open" && c.open_conversation_id === null) return false;
    if (status === "closed" && c.open_conversation_id !== null) return false;
    if (text && !c.name.toLowerCase().includes(text.toLowerCase())) return false;
    return true;
  }

  /** Assignments and open/close still in the outbox, per contact (this fake's server answers at
   * once, so only tests set them). */
  pendingChanges = new Map<string, PendingChanges>();

  /** Replies waiting in the outbox, newest per contact (the agent keeps them in its cache). */
  pendingReplies = new Map<string, { text: string; at: string }>();

  inbox(q: InboxQuery) {
    const activity = (c: Contact) => {
      const pending = this.pendingReplies.get(c.id)?.at ?? "";
      const last = c.last_message_at ?? "";
      return pending > last ? pending : last;
    };
    const all = this.contacts
      .filter((c) => this.matches(c, q.view, q.status, q.text))
      .sort((a, b) => activity(b).localeCompare(activity(a)));
    const rows: InboxRow[] = all
      .slice(q.offset, q.offset + q.limit)
      .map((contact) => ({
        contact,
        unread: this.unread.get(contact.id) ?? 0,
        pending: this.pendingReplies.get(contact.id) ?? null,
        changes: this.pendingChanges.get(contact.id) ?? NO_CHANGES,
      }));
    return Promise.resolve({ rows, total: all.length });
  }

  inboxCounts(status: StatusFilter) {
    const count = (v: InboxQuery["view"]) => this.contacts.filter((c) => this.matches(c, v, status, null));
    const anyUnread = (v: InboxQuery["view"]) => count(v).some((c) => (this.unread.get(c.id) ?? 0) > 0);
    return Promise.resolve({
      all: count("all").length,
      mine: count("mine").length,
      unassigned: count("unassigned").length,
      all_unread: anyUnread("all"),
      mine_unread: anyUnread("mine"),
      unassigned_unread: anyUnread("unassigned"),
    });
  }

  timeline(contactId: string, before: string | null, limit: number) {
    const all = this.timelines.get(contactId) ?? [];
    const end = before === null ? all.length : Number(before);
    const start = Math.max(0, end - limit);
    return Promise.resolve({
      entries: all.slice(start, end),
      older_cursor: start > 0 ? String(start) : null,
      history_complete: true,
    });
  }

  contactDetails(contactId: string) {
    const contact = this.contacts.find((c) => c.id === contactId);
    if (!contact) return Promise.resolve(null);
    return Promise.resolve({
      contact,
      conversations: this.conversations.get(contactId) ?? [],
      channels: this.workspaceData?.channels ?? [],
      unread: this.unread.get(contactId) ?? 0,
      changes: this.pendingChanges.get(contactId) ?? NO_CHANGES,
    });
  }

  search(query: string) {
    const q = query.toLowerCase();
    const hits: SearchHit[] = [];
    for (const [contactId, entries] of this.timelines) {
      const name = this.contacts.find((c) => c.id === contactId)?.name ?? "";
      for (const e of entries) {
        if (e.kind !== "message" || !e.message.text.toLowerCase().includes(q)) continue;
        const i = e.message.text.toLowerCase().indexOf(q);
        const t = e.message.text;
        hits.push({
          contact_id: contactId,
          contact_name: name,
          kind: "message",
          ref_id: e.message.id,
          snippet: `${t.slice(0, i)}<mark>${t.slice(i, i + q.length)}</mark>${t.slice(i + q.length)}`,
          at: e.message.created_at,
        });
      }
    }
    return Promise.resolve(hits);
  }

  outbox() {
    return Promise.resolve(this.outboxEntries);
  }

  notifyUnassigned() {
    return Promise.resolve(true);
  }

  renderSnippet(snippetId: string, contactId: string) {
    const s = this.workspaceData?.snippets.find((x) => x.id === snippetId);
    const c = this.contacts.find((x) => x.id === contactId);
    if (!s || !c) return Promise.reject(new BackendError("invalid", "Unknown snippet."));
    const me = this.workspaceData?.me.name ?? "";
    return Promise.resolve(
      s.text
        .replaceAll("{{contact.first_name}}", c.first_name)
        .replaceAll("{{user.first_name}}", me.split(" ")[0] ?? ""),
    );
  }

  fileUrl(fileId: string) {
    return `memory://file/${fileId}`;
  }

  focus(contactId: string | null) {
    this.focused = contactId;
    if (contactId) this.unread.set(contactId, 0);
    return Promise.resolve();
  }

  ensureHistory() {
    return Promise.resolve();
  }

  loadOlder() {
    return Promise.resolve(false);
  }

  stageFile(name: string, bytes: Uint8Array) {
    this.record("stageFile", name, bytes.length);
    return Promise.resolve({ path: `/staging/${name}`, name, size: bytes.length, mime: "application/octet-stream", file_id: null });
  }

  private pushEntry(contactId: string, entry: TimelineEntry): void {
    this.timelines.set(contactId, [...(this.timelines.get(contactId) ?? []), entry]);
    this.emit({ type: "timeline_changed", contact_id: contactId });
  }

  private queue(summary: string, contactId: string | null): number {
    const id = this.nextClient++;
    this.outboxEntries = [
      ...this.outboxEntries,
      { id, client_id: `client-${id}`, kind: "send", contact_id: contactId, summary, failed: false, error: null, refusal: null, attempts: 0, created_at: T0 },
    ];
    this.emit({ type: "outbox_changed", count: this.outboxEntries.length });
    // As the agent does: the contact's row shows what waits.
    if (contactId !== null) queueMicrotask(() => this.emit({ type: "contacts_changed", ids: [contactId] }));
    return id;
  }

  sendMessage(contactId: string, text: string | null, files: { name: string; size: number; mime: string }[]) {
    this.record("sendMessage", contactId, text, files);
    const outboxId = this.queue(`Reply: ${text ?? ""}`, contactId);
    const m: Message = message(contactId, text ?? "", {
      id: `local-${outboxId}`,
      client_id: `client-${outboxId}`,
      direction: "outgoing",
      sender: { kind: "user", id: this.workspaceData?.me.id ?? "1" },
      delivery: "pending",
      attachments: files.map((f) => ({ file_id: null, name: f.name, mime: f.mime, size: f.size, kind: "file", status: "pending" })),
    });
    this.pushEntry(contactId, { kind: "message", message: m, pending: { outbox_id: outboxId, failed: false, error: null, refusal: null } });
    if (text) this.pendingReplies.set(contactId, { text, at: new Date().toISOString() });
    return Promise.resolve(`client-${outboxId}`);
  }

  addComment(contactId: string, text: string, mentions: string[]) {
    this.record("addComment", contactId, text, mentions);
    return Promise.resolve();
  }

  private updateContact(id: string, change: Partial<Contact>): void {
    this.contacts = this.contacts.map((c) => (c.id === id ? { ...c, ...change } : c));
    this.emit({ type: "contacts_changed", ids: [id] });
  }

  assign(contactId: string, userId: string | null) {
    this.record("assign", contactId, userId);
    this.updateContact(contactId, { assignee_id: userId });
    return Promise.resolve();
  }

  openConversation(contactId: string) {
    this.record("openConversation", contactId);
    this.updateContact(contactId, { open_conversation_id: `conv-${contactId}-2` });
    return Promise.resolve();
  }

  closeConversation(contactId: string, conversationId: string, category: string | null, summary: string | null) {
    this.record("closeConversation", contactId, conversationId, category, summary);
    this.updateContact(contactId, { open_conversation_id: null });
    return Promise.resolve();
  }

  setStatus(status: "online" | "busy") {
    this.record("setStatus", status);
    return Promise.resolve();
  }

  retryOutboxItem(id: number) {
    this.record("retryOutboxItem", id);
    return Promise.resolve();
  }

  discardOutboxItem(id: number) {
    this.record("discardOutboxItem", id);
    this.outboxEntries = this.outboxEntries.filter((e) => e.id !== id);
    this.emit({ type: "outbox_changed", count: this.outboxEntries.length });
    return Promise.resolve();
  }

  flushOutbox() {
    this.record("flushOutbox");
    return Promise.resolve(this.outboxEntries.length);
  }

  setNotifyUnassigned(on: boolean) {
    this.record("setNotifyUnassigned", on);
    return Promise.resolve();
  }

  report(query: string) {
    this.record("report", query);
    if (!this.reportView) return Promise.reject(new BackendError("offline", "The server cannot be reached."));
    return Promise.resolve(this.reportView);
  }

  mergeContacts(primary: string, secondary: string) {
    this.record("mergeContacts", primary, secondary);
    return Promise.resolve();
  }

  openAttachment(fileId: string) {
    this.record("openAttachment", fileId);
    return Promise.resolve();
  }

  updateSettings(patch: unknown) {
    this.record("updateSettings", patch);
    return Promise.resolve();
  }
  createCategory(input: unknown) {
    this.record("createCategory", input);
    return Promise.resolve();
  }
  updateCategory(id: string, input: unknown) {
    this.record("updateCategory", id, input);
    return Promise.resolve();
  }
  deleteCategory(id: string) {
    this.record("deleteCategory", id);
    return Promise.resolve();
  }
  createSnippet(input: unknown) {
    this.record("createSnippet", input);
    return Promise.resolve();
  }
  updateSnippet(id: string, input: unknown) {
    this.record("updateSnippet", id, input);
    return Promise.resolve();
  }
  deleteSnippet(id: string) {
    this.record("deleteSnippet", id);
    return Promise.resolve();
  }

  apiTokens() {
    this.record("apiTokens");
    return Promise.resolve([...this.tokens]);
  }
  createApiToken(name: string) {
    this.record("createApiToken", name);
    const token = `ism_memory${this.tokens.length}abcd`;
    const apiToken: ApiToken = {
      id: String(this.tokens.length + 1),
      name,
      hint: token.slice(-4),
      created_by: this.session?.user.id ?? "1",
      created_at: T0,
      last_used_at: null,
    };
    this.tokens.push(apiToken);
    return Promise.resolve({ api_token: apiToken, token });
  }
  revokeApiToken(id: string) {
    this.record("revokeApiToken", id);
    this.tokens = this.tokens.filter((t) => t.id !== id);
    return Promise.resolve();
  }

  // Voice: a recorder that "records" until stopped and yields a draft.
  voiceInputs() {
    return Promise.resolve([{ id: "default", name: "Built-in microphone", is_default: true }]);
  }
  startRecording(device: string | null) {
    this.record("startRecording", device);
    this.recording = true;
    return Promise.resolve({ id: "d1", device: "Built-in microphone", max_ms: 300_000 });
  }
  stopRecording(): Promise<VoiceDraft> {
    this.record("stopRecording");
    this.recording = false;
    return Promise.resolve({
      id: "d1",
      duration_ms: 3200,
      waveform: [10, 80, 200, 120],
      path: "/voice/d1.ogg",
      wav_path: "/voice/d1.wav",
      mime: "audio/ogg",
      size_bytes: 9000,
      stopped_by_cap: false,
      created_at: T0,
    });
  }
  cancelRecording() {
    this.record("cancelRecording");
    this.recording = false;
    return Promise.resolve();
  }
  voiceDrafts() {
    return Promise.resolve([]);
  }
  discardVoiceDraft(id: string) {
    this.record("discardVoiceDraft", id);
    return Promise.resolve();
  }
  sendVoiceDraft(contactId: string, id: string) {
    this.record("sendVoiceDraft", contactId, id);
    return Promise.resolve();
  }
  draftUrl(id: string) {
    return `memory://draft/${id}`;
  }

  mark(name: string) {
    this.marks.push(name);
  }

  errors: string[] = [];
  logError(message: string) {
    this.errors.push(message);
  }
}
