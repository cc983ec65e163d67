/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Plain Vite (no SvelteKit). The desktop shell loads ui/dist through tauri's custom protocol.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    // WebKitGTK 2.40+ (Debian 12) and Safari 16 on macOS.
    target: "safari16",
    outDir: "dist",
    emptyOutDir: true,
    // The emoji data (~570 kB) is its own chunk, loaded when the picker first opens.
    chunkSizeWarningLimit: 600,
  },
  // Component tests run Svelte's browser build in jsdom.
  resolve: mode === "test" ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
  },
}));
