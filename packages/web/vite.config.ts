/**
 * Vite build of the viewer (settings from ../shared/STACK.md that work with Cornerstone3D 5:
 * dicom-image-loader excluded from dependency pre-bundling so its codec workers resolve,
 * dicom-parser pre-bundled, ES-module workers). Output: packages/web/dist, served by the
 * server's registerWebApp at `/`.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/',
  plugins: [react()],
  resolve: { conditions: ['source'] },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    sourcemap: false,
  },
  server: {
    proxy: { '/dicomweb': 'http://127.0.0.1:8042', '/api': 'http://127.0.0.1:8042', '/health': 'http://127.0.0.1:8042' },
  },
});
