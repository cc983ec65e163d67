// The Tauri transport: each Backend method is one command of src-tauri; live updates arrive as
// Tauri events.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AgentEvent } from "../bindings/AgentEvent";
import { type Backend, BackendError } from "./backend";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw BackendError.from(raw);
  }
}

async function subscribe<T>(event: string, handler: (payload: T) => void): Promise<() => void> {
  try {
    const unlisten: UnlistenFn = await listen<T>(event, (e) => handler(e.payload));
    return unlisten;
  } catch (raw) {
    throw BackendError.from(raw);
  }
}

/** Custom schemes are `scheme://localhost/…` on Linux and macOS, `http://scheme.localhost/…` on Windows. */
function schemeBase(scheme: string): string {
  return navigator.userAgent.includes("Windows")
    ? `http://${scheme}.localhost`
    : `${scheme}://localhost`;
}

export function createTauriBackend(): Backend {
  const files = schemeBase("msgfile");
  return {
    signInDefaults: () => call("sign_in_defaults"),
    currentSession: () => call("current_session"),
    tokenStorage: () => call("token_storage"),
    signIn: (serverUrl, email, password) => call("sign_in", { serverUrl, email, password }),
    signOut: () => call("sign_out"),

    onEvent: (handler) => subscribe<AgentEvent>("agent-event", handler),
    onResync: (handler) => subscribe<null>("agent-resync", () => handler()),

    workspace: () => call("workspace"),
    syncState: () => call("sync_state"),
    retrySync: () => call("retry_sync"),
    inbox: (query) => call("inbox", { query }),
    inboxCounts: (status) => call("inbox_counts", { status }),
    timeline: (contactId, before, limit) => call("timeline", { contactId, before, limit }),
    contactDetails: (contactId) => call("contact_details", { contactId }),
    search: (query, limit) => call("search", { query, limit }),
    outbox: () => call("outbox"),
    notifyUnassigned: () => call("notify_unassigned"),
    renderSnippet: (snippetId, contactId) => call("render_snippet", { snippetId, contactId }),
    fileUrl: (fileId) => `${files}/${encodeURIComponent(fileId)}`,

    focus: (contactId) => call("focus", { contactId }),
    ensureHistory: (contactId) => call("ensure_history", { contactId }),
    loadOlder: (contactId) => call("load_older", { contactId }),

    stageFile: async (name, bytes) => {
      try {
        return await invoke("stage_file", bytes, {
          headers: { "x-file-name": encodeURIComponent(name) },
        });
      } catch (raw) {
        throw BackendError.from(raw);
      }
    },
    sendMessage: (contactId, text, files) => call("send_message", { contactId, text, files }),
    addComment: (contactId, text, mentions) => call("add_comment", { contactId, text, mentions }),
    assign: (contactId, userId) => call("assign", { contactId, userId }),
    openConversation: (contactId) => call("open_conversation", { contactId }),
    closeConversation: (contactId, conversationId, category, summary) =>
      call("close_conversation", { contactId, conversationId, category, summary }),
    setStatus: (status) => call("set_status", { status }),
    retryOutboxItem: (id) => call("retry_outbox_item", { id }),
    discardOutboxItem: (id) => call("discard_outbox_item", { id }),
    flushOutbox: () => call("flush_outbox"),
    setNotifyUnassigned: (on) => call("set_notify_unassigned", { on }),

    report: (query) => call("report", { query }),
    mergeContacts: (primary, secondary) =>
      call("merge_contacts", { contactId: primary, secondaryId: secondary }),
    openAttachment: (fileId) => call("open_attachment", { fileId }),
    updateSettings: (patch) => call("update_settings", { patch }),
    createCategory: (input) => call("create_category", { input }),
    updateCategory: (id, input) => call("update_category", { id, input }),
    deleteCategory: (id) => call("delete_category", { id }),
    apiTokens: () => call("api_tokens"),
    createApiToken: (name) => call("create_api_token", { name }),
    revokeApiToken: (id) => call("revoke_api_token", { id }),
    createSnippet: (input) => call("create_snippet", { input }),
    updateSnippet: (id, input) => call("update_snippet", { id, input }),
    deleteSnippet: (id) => call("delete_snippet", { id }),

    voiceInputs: () => call("voice_inputs"),
    startRecording: (device) => call("start_recording", { device }),
    stopRecording: () => call("stop_recording"),
    cancelRecording: () => call("cancel_recording"),
    voiceDrafts: () => call("voice_drafts"),
    discardVoiceDraft: (id) => call("discard_voice_draft", { id }),
    sendVoiceDraft: (contactId, id) => call("send_voice_draft", { contactId, id }),
    draftUrl: (id) => `${files}/draft/${encodeURIComponent(id)}`,

    logError: (message) => void call("log_ui_error", { message }).catch(() => undefined),
    mark: (name) => void call("mark", { name }).catch(() => undefined),
  };
}
