export { type Backend, BackendError, errorText } from "./backend";
export { createTauriBackend } from "./tauri";
