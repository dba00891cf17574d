/** Vite's `?raw` imports: the file's text (vitest resolves them like Vite does). */
declare module '*?raw' {
  const text: string;
  export default text;
}
