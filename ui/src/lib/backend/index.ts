export { type Backend, BackendError } from "./backend";
export { createTauriBackend } from "./tauri";
