import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";

// jsdom lacks layout: element sizes are 0 and these APIs are missing. The webview has them.
class NoLayoutResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= NoLayoutResizeObserver;
Element.prototype.scrollIntoView ??= function scrollIntoView() {};
globalThis.CSS ??= {} as typeof CSS;
Blob.prototype.arrayBuffer ??= function arrayBuffer(this: Blob) {
  return new Promise<ArrayBuffer>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(this);
  });
};
CSS.escape ??= (s: string) => s.replace(/["\\]/g, "\\$&");

afterEach(() => {
  cleanup();
  localStorage.clear();
});
