// The one interface through which the UI reaches the agent core. Screens receive a Backend and
// never import Tauri; the desktop build passes the Tauri transport (tauri.ts), component tests
// an in-memory one.
import type { AgentEvent } from "../bindings/AgentEvent";
import type { CommandError } from "../bindings/CommandError";
import type { CommandErrorKind } from "../bindings/CommandErrorKind";
import type { FileId } from "../bindings/FileId";
import type { StagedFile } from "../bindings/StagedFile";
import type { Commands } from "./commands";

/**
 * The agent's commands as generated from the Rust ones (commands.ts: reads answer from the
 * local cache without the network; writes queue in the outbox and show at once), and what the
 * transport adds: live updates, file URLs, raw file bytes and fire-and-forget logging.
 */
export interface Backend extends Omit<Commands, "mark" | "logUiError"> {
  // Live updates. Each resolves, once events are being delivered, to a function that stops
  // listening: read state after that, so no change falls between the read and the events.
  onEvent(handler: (event: AgentEvent) => void): Promise<() => void>;
  /** Events were dropped (the window fell behind): reload what is shown. */
  onResync(handler: () => void): Promise<() => void>;

  /** A URL the webview can load an attachment from (cached on disk after the first time). */
  fileUrl(fileId: FileId): string;
  /** A URL the webview can play a voice draft from. */
  draftUrl(id: string): string;
  /** Stages a file's bytes for a message (sent raw, not as JSON). */
  stageFile(name: string, bytes: Uint8Array): Promise<StagedFile>;

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
