// The one interface through which the UI reaches the agent core. Screens receive a Backend and
// never import Tauri; the desktop build passes the Tauri transport (tauri.ts).
import type { CommandError } from "../bindings/CommandError";
import type { CommandErrorKind } from "../bindings/CommandErrorKind";
import type { Session } from "../bindings/Session";
import type { SignInDefaults } from "../bindings/SignInDefaults";

export interface Backend {
  /** What the sign-in form starts with (last sign-in, or MESSENGER_SERVER_URL). */
  signInDefaults(): Promise<SignInDefaults>;
  /** The signed-in session from the local cache, or null. Never waits for the network. */
  currentSession(): Promise<Session | null>;
  signIn(serverUrl: string, email: string, password: string): Promise<Session>;
  signOut(): Promise<void>;
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

function isCommandError(v: unknown): v is CommandError {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    typeof (v as { message?: unknown }).message === "string"
  );
}
