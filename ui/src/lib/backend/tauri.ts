// The Tauri transport: each Backend method is one command of src-tauri.
import { invoke } from "@tauri-apps/api/core";
import type { Session } from "../bindings/Session";
import type { SignInDefaults } from "../bindings/SignInDefaults";
import { type Backend, BackendError } from "./backend";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw BackendError.from(raw);
  }
}

export function createTauriBackend(): Backend {
  return {
    signInDefaults: () => call<SignInDefaults>("sign_in_defaults"),
    currentSession: () => call<Session | null>("current_session"),
    signIn: (serverUrl, email, password) =>
      call<Session>("sign_in", { serverUrl, email, password }),
    signOut: () => call<void>("sign_out"),
  };
}
