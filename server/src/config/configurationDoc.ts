import { relative } from 'node:path';
import { CONFIG_KEYS, REPO_ROOT } from './loadConfig.js';

/** Defaults that are absolute paths inside the repository are shown relative to it (`<repo>/models`). */
function shownDefault(value: string): string {
  if (value === '') return '(empty)';
  if (value.startsWith(REPO_ROOT)) return `\`<repo>/${relative(REPO_ROOT, value)}\``;
  return `\`${value}\``;
}

const INTRO = `# Configuration

Every setting of chexgen, generated from \`CONFIG_KEYS\` in \`server/src/config/loadConfig.ts\` by
\`npm run docs:config\` (a test fails when this page and the code disagree). Settings come from environment variables;
some commands also take flags (\`chexgen serve --port 9000\`, \`chexgen synthesize --model ...\`), which win. A bad value
stops the program with a message naming the variable and the rule.

\`chexgen serve\` listens on \`HOST:PORT\` (\`127.0.0.1:8080\` by default). Bound to anything but a loopback address it
refuses to start without \`CHEXGEN_API_TOKEN\`, which clients then send as \`Authorization: Bearer <token>\` on \`/api\`
and \`/metrics\`. \`CHEXGEN_DATA_DIR\` holds \`jobs.sqlite\` (the job queue), \`store/\` (the embedded DICOM store, used when
\`CHEXGEN_PACS_URL\` is empty), \`outbox/\` (studies not yet delivered) and \`previews/\` (8-bit PNG previews).

| variable | default | meaning |
|---|---|---|
`;

/** docs/configuration.md: one row per config key. */
export function configurationMarkdown(): string {
  const rows = Object.values(CONFIG_KEYS).map((spec) => `| \`${spec.env}\` | ${shownDefault(spec.default)} | ${spec.doc.replace(/\|/g, '\\|')} |`);
  return `${INTRO}${rows.join('\n')}\n`;
}
