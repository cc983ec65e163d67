import { mount } from "svelte";
import App from "./App.svelte";
import { createTauriBackend } from "./lib/backend";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html lacks #app");

const backend = createTauriBackend();
backend.mark("ui script started");

// What the UI does not handle lands in the app's log, where support can find it.
window.addEventListener("error", (e) => backend.logError(`${e.message} at ${e.filename}:${e.lineno}`));
window.addEventListener("unhandledrejection", (e) => {
  const reason: unknown = e.reason;
  backend.logError(`unhandled: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

mount(App, { target, props: { backend } });
