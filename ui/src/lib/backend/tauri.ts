// The Tauri transport: the commands generated from src-tauri's (commands.ts) over `invoke`,
// raw file bytes, and live updates as Tauri events.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AgentEvent } from "../bindings/AgentEvent";
import { type Backend, BackendError } from "./backend";
import { commandsOver } from "./commands";

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
    ...commandsOver(call),

    onEvent: (handler) => subscribe<AgentEvent>("agent-event", handler),
    onResync: (handler) => subscribe<null>("agent-resync", () => handler()),

    fileUrl: (fileId) => `${files}/${encodeURIComponent(fileId)}`,
    draftUrl: (id) => `${files}/draft/${encodeURIComponent(id)}`,
    stageFile: async (name, bytes) => {
      try {
        return await invoke("stage_file", bytes, {
          headers: { "x-file-name": encodeURIComponent(name) },
        });
      } catch (raw) {
        throw BackendError.from(raw);
      }
    },

    logError: (message) => void call("log_ui_error", { message }).catch(() => undefined),
    mark: (name) => void call("mark", { name }).catch(() => undefined),
  };
}
