/**
 * The prompt rule is the server's own (server/src/synthesis/promptPrefix.ts, pure and dependency-free), bundled
 * into the extension so the panel shows exactly the text the model will get.
 */
export { compilePrompt, promptPrefix } from '../../../server/src/synthesis/promptPrefix';
