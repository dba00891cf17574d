import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configurationMarkdown } from './configurationDoc.js';
import { CONFIG_KEYS } from './loadConfig.js';

describe('docs/configuration.md', () => {
  it('when CONFIG_KEYS changes, then the page is regenerated (npm run docs:config): every key, default and meaning is in it', async () => {
    const page = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const spec of Object.values(CONFIG_KEYS)) expect(page).toContain(`| \`${spec.env}\` |`);
    expect(page).toBe(configurationMarkdown());
  });
});
