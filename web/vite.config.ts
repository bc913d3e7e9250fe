import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The build is embedded in the server binary and served at `/`; `/v1` and `/api`
// go to a locally running server during development.
export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
  },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8080',
      '/api': 'http://127.0.0.1:8080',
    },
  },
})
