// The one interface through which the UI reaches the agent core. Screens receive a Backend and
// never import Tauri; the desktop build passes the Tauri transport (tauri.ts), component tests
// an in-memory one.
import type { AgentEvent } from "../bindings/AgentEvent";
import type { ApiToken } from "../bindings/ApiToken";
import type { ApiTokenId } from "../bindings/ApiTokenId";
import type { CategoryId } from "../bindings/CategoryId";
import type { CreatedApiToken } from "../bindings/CreatedApiToken";
import type { CategoryInput } from "../bindings/CategoryInput";
import type { CommandError } from "../bindings/CommandError";
import type { CommandErrorKind } from "../bindings/CommandErrorKind";
import type { ContactDetails } from "../bindings/ContactDetails";
import type { ContactId } from "../bindings/ContactId";
import type { ConversationId } from "../bindings/ConversationId";
import type { FileId } from "../bindings/FileId";
import type { InboxCounts } from "../bindings/InboxCounts";
import type { InboxPage } from "../bindings/InboxPage";
import type { InboxQuery } from "../bindings/InboxQuery";
import type { OutboxEntry } from "../bindings/OutboxEntry";
import type { ReportView } from "../bindings/ReportView";
import type { SearchHit } from "../bindings/SearchHit";
import type { Session } from "../bindings/Session";
import type { SettingsPatch } from "../bindings/SettingsPatch";
import type { SignInDefaults } from "../bindings/SignInDefaults";
import type { SnippetId } from "../bindings/SnippetId";
import type { SnippetInput } from "../bindings/SnippetInput";
import type { StagedFile } from "../bindings/StagedFile";
import type { StatusFilter } from "../bindings/StatusFilter";
import type { SyncState } from "../bindings/SyncState";
import type { TimelinePage } from "../bindings/TimelinePage";
import type { RecordingStarted } from "../bindings/RecordingStarted";
import type { UserId } from "../bindings/UserId";
import type { TokenStorage } from "../bindings/TokenStorage";
import type { VoiceDraft } from "../bindings/VoiceDraft";
import type { VoiceInput } from "../bindings/VoiceInput";
import type { Workspace } from "../bindings/Workspace";

export interface Backend {
  // Session.
  /** What the sign-in form starts with (last sign-in, or MESSENGER_SERVER_URL). */
  signInDefaults(): Promise<SignInDefaults>;
  /** The signed-in session from the local cache, or null. Never waits for the network. */
  currentSession(): Promise<Session | null>;
  /** Where the session token is kept (the OS keychain, or a private file where there is none). */
  tokenStorage(): Promise<TokenStorage>;
  signIn(serverUrl: string, email: string, password: string): Promise<Session>;
  signOut(): Promise<void>;

  // Live updates. Each resolves, once events are being delivered, to a function that stops
  // listening: read state after that, so no change falls between the read and the events.
  onEvent(handler: (event: AgentEvent) => void): Promise<() => void>;
  /** Events were dropped (the window fell behind): reload what is shown. */
  onResync(handler: () => void): Promise<() => void>;

  // Reads: all from the local cache, answered without the network.
  workspace(): Promise<Workspace | null>;
  syncState(): Promise<SyncState>;
  /** Offline or stopped: tries the server now rather than at the next attempt. */
  retrySync(): Promise<void>;
  inbox(query: InboxQuery): Promise<InboxPage>;
  inboxCounts(status: StatusFilter): Promise<InboxCounts>;
  timeline(contactId: ContactId, before: string | null, limit: number): Promise<TimelinePage>;
  contactDetails(contactId: ContactId): Promise<ContactDetails | null>;
  search(query: string, limit: number): Promise<SearchHit[]>;
  outbox(): Promise<OutboxEntry[]>;
  notifyUnassigned(): Promise<boolean>;
  /** A snippet with its variables filled for this contact (offline too). */
  renderSnippet(snippetId: SnippetId, contactId: ContactId): Promise<string>;
  /** A URL the webview can load an attachment from (cached on disk after the first time). */
  fileUrl(fileId: FileId): string;

  // History from the server, kept in the cache.
  /** The contact on screen: its messages count as read and are not notified about. */
  focus(contactId: ContactId | null): Promise<void>;
  ensureHistory(contactId: ContactId): Promise<void>;
  /** Fetches the next older page into the cache; false when there is none. */
  loadOlder(contactId: ContactId): Promise<boolean>;

  // Writes: queued in the outbox, shown at once, delivered when the server is reachable.
  stageFile(name: string, bytes: Uint8Array): Promise<StagedFile>;
  /** Answers the message's client id (upload progress events carry it). */
  sendMessage(contactId: ContactId, text: string | null, files: StagedFile[]): Promise<string>;
  addComment(contactId: ContactId, text: string, mentions: UserId[]): Promise<void>;
  assign(contactId: ContactId, userId: UserId | null): Promise<void>;
  openConversation(contactId: ContactId): Promise<void>;
  closeConversation(
    contactId: ContactId,
    conversationId: ConversationId,
    category: string | null,
    summary: string | null,
  ): Promise<void>;
  setStatus(status: "online" | "busy"): Promise<void>;
  retryOutboxItem(id: number): Promise<void>;
  discardOutboxItem(id: number): Promise<void>;
  /** Tries to deliver the outbox now; answers how many items still wait. */
  flushOutbox(): Promise<number>;
  setNotifyUnassigned(on: boolean): Promise<void>;

  // Online only.
  report(query: string): Promise<ReportView>;
  mergeContacts(primary: ContactId, secondary: ContactId): Promise<void>;
  openAttachment(fileId: FileId): Promise<void>;
  updateSettings(patch: SettingsPatch): Promise<void>;
  createCategory(input: CategoryInput): Promise<void>;
  updateCategory(id: CategoryId, input: CategoryInput): Promise<void>;
  deleteCategory(id: CategoryId): Promise<void>;
  createSnippet(input: SnippetInput): Promise<void>;
  updateSnippet(id: SnippetId, input: SnippetInput): Promise<void>;
  deleteSnippet(id: SnippetId): Promise<void>;
  apiTokens(): Promise<ApiToken[]>;
  /** The answer is the only time the token itself is shown. */
  createApiToken(name: string): Promise<CreatedApiToken>;
  revokeApiToken(id: ApiTokenId): Promise<void>;

  // Voice notes: recorded by the agent from the computer's microphone.
  voiceInputs(): Promise<VoiceInput[]>;
  /** Starts recording (the default microphone when `device` is null); level events follow. */
  startRecording(device: string | null): Promise<RecordingStarted>;
  /** Stops and encodes the note, ready to play back, delete or send. */
  stopRecording(): Promise<VoiceDraft>;
  /** Stops and throws the recording away. */
  cancelRecording(): Promise<void>;
  /** Notes recorded but neither sent nor deleted (kept across restarts). */
  voiceDrafts(): Promise<VoiceDraft[]>;
  discardVoiceDraft(id: string): Promise<void>;
  /** Sends through the outbox: a voice note where the channel takes one, else an audio file. */
  sendVoiceDraft(contactId: ContactId, id: string): Promise<void>;
  /** A URL the webview can play a draft from. */
  draftUrl(id: string): string;

  /** A start-up milestone, logged by the app with the time since the process started. */
  mark(name: string): void;
  /** Keeps an error the UI did not handle in the app's log. */
  logError(message: string): void;
}

/** A failed backend call, with the agent's sentence for people. */
export class BackendError extends Error {
  readonly kind: CommandErrorKind;

  constructor(kind: CommandErrorKind, message: string) {
    super(message);
    this.name = "BackendError";
    this.kind = kind;
  }

  /** Wraps whatever a transport rejected with. */
  static from(raw: unknown): BackendError {
    if (raw instanceof BackendError) return raw;
    if (isCommandError(raw)) return new BackendError(raw.kind, raw.message);
    const text = raw instanceof Error ? raw.message : String(raw);
    return new BackendError("failed", text);
  }
}

/** The sentence to show for any error. */
export function errorText(e: unknown): string {
  return BackendError.from(e).message;
}

function isCommandError(v: unknown): v is CommandError {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    typeof (v as { message?: unknown }).message === "string"
  );
}
