// Vite builds the UI into ui/dist, which the Tauri shell embeds and `scimlab serve --ui` serves.
// `npm run dev` proxies /api to a running `scimlab serve` (SCIMLAB_ADMIN, default
// http://127.0.0.1:8788); log in once at that address so the cookie exists.
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const admin = process.env.SCIMLAB_ADMIN ?? "http://127.0.0.1:8788";

export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true, proxy: { "/api": { target: admin, changeOrigin: false }, "/auth": { target: admin, changeOrigin: false } } },
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 1000 },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
