import { mount } from "svelte";
import App from "./App.svelte";
import { createTauriBackend } from "./lib/backend";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html lacks #app");

mount(App, { target, props: { backend: createTauriBackend() } });
