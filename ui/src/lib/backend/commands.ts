// Generated from the #[tauri::command]s of src-tauri/src/commands by `make bindings`: do not edit.
import type { ApiToken } from "../bindings/ApiToken";
import type { ApiTokenId } from "../bindings/ApiTokenId";
import type { CategoryId } from "../bindings/CategoryId";
import type { CategoryInput } from "../bindings/CategoryInput";
import type { ContactDetails } from "../bindings/ContactDetails";
import type { ContactId } from "../bindings/ContactId";
import type { ConversationId } from "../bindings/ConversationId";
import type { CreatedApiToken } from "../bindings/CreatedApiToken";
import type { FileId } from "../bindings/FileId";
import type { InboxCounts } from "../bindings/InboxCounts";
import type { InboxPage } from "../bindings/InboxPage";
import type { InboxQuery } from "../bindings/InboxQuery";
import type { OutboxEntry } from "../bindings/OutboxEntry";
import type { RecordingStarted } from "../bindings/RecordingStarted";
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
import type { TokenStorage } from "../bindings/TokenStorage";
import type { UserId } from "../bindings/UserId";
import type { UserStatus } from "../bindings/UserStatus";
import type { VoiceDraft } from "../bindings/VoiceDraft";
import type { VoiceInput } from "../bindings/VoiceInput";
import type { Workspace } from "../bindings/Workspace";

/** Every command of the desktop shell, as the agent core answers it (stage_file aside: raw bytes, wrapped in backend.ts). */
export interface Commands {
  updateSettings(patch: SettingsPatch): Promise<void>;
  createCategory(input: CategoryInput): Promise<void>;
  updateCategory(id: CategoryId, input: CategoryInput): Promise<void>;
  deleteCategory(id: CategoryId): Promise<void>;
  createSnippet(input: SnippetInput): Promise<void>;
  updateSnippet(id: SnippetId, input: SnippetInput): Promise<void>;
  deleteSnippet(id: SnippetId): Promise<void>;
  apiTokens(): Promise<Array<ApiToken>>;
  createApiToken(name: string): Promise<CreatedApiToken>;
  revokeApiToken(id: ApiTokenId): Promise<void>;
  timeline(contactId: ContactId, before: string | null, limit: number): Promise<TimelinePage>;
  contactDetails(contactId: ContactId): Promise<ContactDetails | null>;
  /** Fetches the next older page from the server into the cache; `false` when there is none. */
  loadOlder(contactId: ContactId): Promise<boolean>;
  ensureHistory(contactId: ContactId): Promise<void>;
  /** Queues a reply; answers its client id (upload progress events carry it). */
  sendMessage(contactId: ContactId, text: string | null, files: Array<StagedFile>): Promise<string>;
  addComment(contactId: ContactId, text: string, mentions: Array<UserId>): Promise<void>;
  /** Assigns to a user, or unassigns with `null`. */
  assign(contactId: ContactId, userId: UserId | null): Promise<void>;
  openConversation(contactId: ContactId): Promise<void>;
  closeConversation(contactId: ContactId, conversationId: ConversationId, category: string | null, summary: string | null): Promise<void>;
  renderSnippet(snippetId: SnippetId, contactId: ContactId): Promise<string>;
  /** Merges `secondary_id` into `contact_id` (owners and managers; needs the server). */
  mergeContacts(contactId: ContactId, secondaryId: ContactId): Promise<void>;
  /** Opens an attachment in the computer's default app for its type (a copy under its own name in the temp directory, so the app shows a sensible title). */
  openAttachment(fileId: FileId): Promise<void>;
  inbox(query: InboxQuery): Promise<InboxPage>;
  inboxCounts(status: StatusFilter): Promise<InboxCounts>;
  search(query: string, limit: number): Promise<Array<SearchHit>>;
  /** The contact on screen (its messages count as read and are not notified about). */
  focus(contactId: ContactId | null): Promise<void>;
  syncState(): Promise<SyncState>;
  outbox(): Promise<Array<OutboxEntry>>;
  /** Tries to deliver the outbox now; answers how many items are still waiting. */
  flushOutbox(): Promise<number>;
  /** Offline or stopped: try the server now. */
  retrySync(): Promise<void>;
  retryOutboxItem(id: number): Promise<void>;
  discardOutboxItem(id: number): Promise<void>;
  /** An error the window could not handle (an exception in the UI), kept in the app's log. */
  logUiError(message: string): Promise<void>;
  mark(name: string): Promise<void>;
  signInDefaults(): Promise<SignInDefaults>;
  currentSession(): Promise<Session | null>;
  /** Signs in and starts syncing at once. */
  signIn(serverUrl: string, email: string, password: string): Promise<Session>;
  signOut(): Promise<void>;
  /** Where the session token is kept: the app says so when it is not the OS keychain. */
  tokenStorage(): Promise<TokenStorage>;
  voiceInputs(): Promise<Array<VoiceInput>>;
  startRecording(device: string | null): Promise<RecordingStarted>;
  stopRecording(): Promise<VoiceDraft>;
  cancelRecording(): Promise<void>;
  voiceDrafts(): Promise<Array<VoiceDraft>>;
  discardVoiceDraft(id: string): Promise<void>;
  sendVoiceDraft(contactId: ContactId, id: string): Promise<void>;
  workspace(): Promise<Workspace | null>;
  /** Online or busy (offline is what the server decides when the app is gone). */
  setStatus(status: UserStatus): Promise<void>;
  notifyUnassigned(): Promise<boolean>;
  setNotifyUnassigned(on: boolean): Promise<void>;
  /** The conversation report for a query string (`from=…&to=…`): fresh when the server answers, else the last one kept for the same query. */
  report(query: string): Promise<ReportView>;
}

/** Sends one command with its arguments under Tauri's (camelCase) names. */
export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

/** The commands over a transport. */
export function commandsOver(call: Invoke): Commands {
  return {
    updateSettings: (patch) => call("update_settings", { patch }),
    createCategory: (input) => call("create_category", { input }),
    updateCategory: (id, input) => call("update_category", { id, input }),
    deleteCategory: (id) => call("delete_category", { id }),
    createSnippet: (input) => call("create_snippet", { input }),
    updateSnippet: (id, input) => call("update_snippet", { id, input }),
    deleteSnippet: (id) => call("delete_snippet", { id }),
    apiTokens: () => call("api_tokens"),
    createApiToken: (name) => call("create_api_token", { name }),
    revokeApiToken: (id) => call("revoke_api_token", { id }),
    timeline: (contactId, before, limit) => call("timeline", { contactId, before, limit }),
    contactDetails: (contactId) => call("contact_details", { contactId }),
    loadOlder: (contactId) => call("load_older", { contactId }),
    ensureHistory: (contactId) => call("ensure_history", { contactId }),
    sendMessage: (contactId, text, files) => call("send_message", { contactId, text, files }),
    addComment: (contactId, text, mentions) => call("add_comment", { contactId, text, mentions }),
    assign: (contactId, userId) => call("assign", { contactId, userId }),
    openConversation: (contactId) => call("open_conversation", { contactId }),
    closeConversation: (contactId, conversationId, category, summary) => call("close_conversation", { contactId, conversationId, category, summary }),
    renderSnippet: (snippetId, contactId) => call("render_snippet", { snippetId, contactId }),
    mergeContacts: (contactId, secondaryId) => call("merge_contacts", { contactId, secondaryId }),
    openAttachment: (fileId) => call("open_attachment", { fileId }),
    inbox: (query) => call("inbox", { query }),
    inboxCounts: (status) => call("inbox_counts", { status }),
    search: (query, limit) => call("search", { query, limit }),
    focus: (contactId) => call("focus", { contactId }),
    syncState: () => call("sync_state"),
    outbox: () => call("outbox"),
    flushOutbox: () => call("flush_outbox"),
    retrySync: () => call("retry_sync"),
    retryOutboxItem: (id) => call("retry_outbox_item", { id }),
    discardOutboxItem: (id) => call("discard_outbox_item", { id }),
    logUiError: (message) => call("log_ui_error", { message }),
    mark: (name) => call("mark", { name }),
    signInDefaults: () => call("sign_in_defaults"),
    currentSession: () => call("current_session"),
    signIn: (serverUrl, email, password) => call("sign_in", { serverUrl, email, password }),
    signOut: () => call("sign_out"),
    tokenStorage: () => call("token_storage"),
    voiceInputs: () => call("voice_inputs"),
    startRecording: (device) => call("start_recording", { device }),
    stopRecording: () => call("stop_recording"),
    cancelRecording: () => call("cancel_recording"),
    voiceDrafts: () => call("voice_drafts"),
    discardVoiceDraft: (id) => call("discard_voice_draft", { id }),
    sendVoiceDraft: (contactId, id) => call("send_voice_draft", { contactId, id }),
    workspace: () => call("workspace"),
    setStatus: (status) => call("set_status", { status }),
    notifyUnassigned: () => call("notify_unassigned"),
    setNotifyUnassigned: (on) => call("set_notify_unassigned", { on }),
    report: (query) => call("report", { query }),
  };
}
