import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // extension unit tests pick jsdom per file with `// @vitest-environment jsdom`
    include: ['server/src/**/*.test.ts', 'test/**/*.test.ts', 'extension/src/**/*.test.{ts,tsx}'],
    // The CLI tests run the compiled server (bin/chexgen.mjs -> server/dist): build it once, before every run.
    globalSetup: ['test/setup/buildServer.ts'],
    // Integration tests run real onnxruntime sessions on the CPU; the default 5 s is too tight for them.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
