#!/usr/bin/env node
// Writes docs/configuration.md from CONFIG_KEYS (server/src/config/loadConfig.ts). Run: npm run docs:config
import { writeFile } from 'node:fs/promises';
import { register } from 'tsx/esm/api';

register();
const { configurationMarkdown } = await import('../server/src/config/configurationDoc.ts');
await writeFile(new URL('../docs/configuration.md', import.meta.url), configurationMarkdown());
