import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests run real onnxruntime sessions on the CPU; the default 5 s is too tight for them.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
