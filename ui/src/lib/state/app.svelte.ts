// The signed-in app's state: the session, the workspace's reference data, the connection, the
// outbox count, and the inbox and conversation on screen. Everything is read from the agent
// (its cache) and kept current by the agent's events; the UI holds no business rules.
import { getContext, setContext } from "svelte";
import { type Backend, errorText } from "../backend";
import type { AgentEvent } from "../bindings/AgentEvent";
import type { Capabilities } from "../bindings/Capabilities";
import type { Contact } from "../bindings/Contact";
import type { ContactId } from "../bindings/ContactId";
import type { Session } from "../bindings/Session";
import type { SyncState } from "../bindings/SyncState";
import type { User } from "../bindings/User";
import type { UserId } from "../bindings/UserId";
import type { Workspace } from "../bindings/Workspace";
import { afterPaint } from "./after-paint";
import { coalesce } from "./coalesce";
import { ConversationState } from "./conversation.svelte";
import { InboxState } from "./inbox.svelte";
import { Toasts } from "./toasts.svelte";

export type Route = "inbox" | "dashboard" | "settings";
export type Overlay = "palette" | "shortcuts" | "search" | "outbox" | null;
export type Upload = { sent: number; total: number };

const KEY = Symbol("app");

export class AppState {
  workspace = $state.raw<Workspace | null>(null);
  sync = $state.raw<SyncState | null>(null);
  outboxCount = $state(0);
  route = $state<Route>("inbox");
  overlay = $state<Overlay>(null);
  /** The contact drawer starts open where the window has room for it. */
  drawerOpen = $state(typeof window === "undefined" || window.innerWidth >= 1400);
  /** Upload progress of messages on their way, by client id. */
  uploads = $state<Record<string, Upload>>({});
  /** A timeline entry (its `entryId`) to scroll to and flash: a search hit. */
  highlight = $state<string | null>(null);
  /** Bumped to ask the composer to take the focus (shortcut, palette). */
  composerFocus = $state(0);
  composerMode = $state<"reply" | "comment">("reply");
  /** Popovers and dialogs of the conversation that shortcuts and the palette open. */
  assignMenuOpen = $state(false);
  dialog = $state<"close" | "merge" | null>(null);
  /** Bumped to open the composer's pickers from the palette. */
  composerPicker = $state<{ which: "emoji" | "snippets" | "attach" | "record"; n: number } | null>(
    null,
  );

  readonly inbox: InboxState;
  readonly conversation: ConversationState;
  readonly toasts = new Toasts();
  private stops: (() => void)[] = [];

  private refreshInbox = coalesce(() => this.refreshInboxNoting().catch(() => undefined), 150);
  private refreshTimeline = coalesce(() => this.conversation.reload().catch(() => undefined), 100);
  private refreshDetails = coalesce(
    () => this.conversation.reloadDetails().catch(() => undefined),
    150,
  );

  constructor(
    readonly backend: Backend,
    readonly session: Session,
    private onSignedOut: (notice: string | null) => void,
  ) {
    this.inbox = new InboxState(backend);
    this.conversation = new ConversationState(backend);
  }

  /** Reads what the first screen needs from the cache and starts following the agent. */
  async start(): Promise<void> {
    // The first reads go out with the listeners, not after them: the agent answers while the
    // webview lays out the shell (measured: ~25 ms off a cold start). A change that lands
    // between those reads and the listeners is caught by reading once more, after the first
    // paint so that it does not delay it.
    const listening = Promise.all([
      this.backend.onEvent((e) => this.handle(e)),
      this.backend.onResync(() => void this.reloadAll()),
    ]);
    const firstRead = this.reloadAll();
    const [events, resync] = await listening;
    this.stops.push(events, resync);
    if (this.stopped) this.stop();
    await firstRead;
    // A hidden window may not paint at all; the re-read still comes, a little later.
    await Promise.race([afterPaint(), new Promise((r) => setTimeout(r, 250))]);
    if (!this.stopped) void this.reloadAll().catch(() => undefined);
  }

  private stopped = false;

  stop(): void {
    this.stopped = true;
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  private async reloadAll(): Promise<void> {
    const [workspace, sync, outbox] = await Promise.all([
      this.backend.workspace(),
      this.backend.syncState(),
      this.backend.outbox(),
      this.inbox.refresh(),
    ]);
    this.workspace = workspace;
    this.sync = sync;
    this.outboxCount = outbox.length;
    if (this.conversation.contactId !== null) await this.conversation.reload();
  }

  /** Re-reads the list; when the open contact leaves the view (a reply assigned it, a close),
   * the conversation stays and a toast says where the contact went. */
  private async refreshInboxNoting(): Promise<void> {
    const open = this.conversation.contactId;
    const wasListed = this.inbox.indexOf(open) >= 0;
    await this.inbox.refresh();
    if (open === null || !wasListed || this.inbox.indexOf(open) >= 0 || this.inbox.text.trim() !== "") return;
    const details = await this.backend.contactDetails(open).catch(() => null);
    if (details === null || this.conversation.contactId !== open) return;
    const contact = details.contact;
    const closed = contact.open_conversation_id === null;
    const where =
      this.inbox.status === "open" && closed
        ? "is closed now: it shows under Closed"
        : contact.assignee_id === this.me.id
          ? "is assigned to you now: it shows in Mine"
          : contact.assignee_id === null
            ? "is unassigned now: it shows in Unassigned"
            : `is assigned to ${this.userName(contact.assignee_id)} now: it shows in All`;
    this.toasts.show(`${contact.name} ${where}.`);
  }

  handle(event: AgentEvent): void {
    switch (event.type) {
      case "sync_state":
        this.sync = event.state;
        break;
      case "contacts_changed":
        this.refreshInbox();
        if (this.conversation.contactId !== null && event.ids.includes(this.conversation.contactId))
          this.refreshDetails();
        break;
      case "timeline_changed":
        if (event.contact_id === this.conversation.contactId) this.refreshTimeline();
        break;
      case "workspace_changed":
        void this.backend.workspace().then((w) => (this.workspace = w));
        break;
      case "outbox_changed":
        this.outboxCount = event.count;
        break;
      case "upload_progress":
        this.uploads = { ...this.uploads, [event.client_id]: { sent: event.sent, total: event.total } };
        break;
      case "open_contact":
        this.route = "inbox";
        void this.select(event.contact_id);
        break;
      case "signed_out":
        this.stop();
        this.onSignedOut("Your session ended. Sign in again.");
        break;
      default:
        this.handleOther(event);
    }
  }

  /** Events added later (voice recording) are handled by their own components. */
  private handleOther(_event: AgentEvent): void {}

  get me(): User {
    return this.workspace?.me ?? this.session.user;
  }

  /** What the server says the signed-in user may do. */
  get may(): Capabilities {
    return this.me.capabilities;
  }

  get online(): boolean {
    return this.sync?.status === "online";
  }

  user(id: UserId | null | undefined): User | undefined {
    if (!id) return undefined;
    return this.workspace?.users.find((u) => u.id === id);
  }

  userName(id: UserId | null | undefined): string {
    if (!id) return "Unassigned";
    if (id === this.me.id) return "You";
    return this.user(id)?.name ?? "Someone";
  }

  channelName(id: string | null | undefined): string {
    if (!id) return "";
    return this.workspace?.channels.find((c) => c.id === id)?.name ?? "";
  }

  /** The URL of the contact's profile picture, once the server has fetched it. */
  pictureOf(contact: Contact): string | null {
    const file = contact.profile.avatar_file_id;
    return file ? this.backend.fileUrl(file) : null;
  }

  async select(contactId: ContactId | null): Promise<void> {
    this.highlight = null;
    await this.conversation.open(contactId);
  }

  /** Next or previous contact in the list. */
  async step(step: 1 | -1): Promise<void> {
    const next = await this.inbox.neighbour(this.conversation.contactId, step);
    if (next !== null) await this.select(next);
  }

  /** Runs a write and reports a refusal as a toast (writes themselves are queued). */
  async act(what: string, run: () => Promise<unknown>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (e) {
      this.toasts.error(`${what}: ${errorText(e)}`);
      return false;
    }
  }

  /** Close: straight away when closing notes are off, else through the closing-note dialog. */
  requestClose(): void {
    const contact = this.conversation.details?.contact;
    if (!contact?.open_conversation_id) return;
    if (this.workspace?.settings.closing_note.asked === false) {
      const conversation = contact.open_conversation_id;
      void this.act("Could not close the conversation", () =>
        this.backend.closeConversation(contact.id, conversation, null, null),
      );
    } else {
      this.dialog = "close";
    }
  }

  async signOut(): Promise<void> {
    try {
      await this.backend.signOut();
    } finally {
      this.stop();
      this.onSignedOut(null);
    }
  }
}

export function provideApp(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error("useApp() outside the signed-in app");
  return app;
}
