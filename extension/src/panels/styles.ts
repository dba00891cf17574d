import type { CSSProperties } from 'react';

/** Inline styles matching OHIF's dark theme (the island lives outside OHIF's React and its CSS-in-JS). */
export const styles = {
  panel: { color: '#d1d5db', fontSize: 13, padding: 8, display: 'flex', flexDirection: 'column', gap: 10, fontFamily: 'inherit' },
  section: { border: '1px solid #1f3a5f', borderRadius: 4, padding: 8, display: 'flex', flexDirection: 'column', gap: 6 },
  heading: { color: '#5acce6', fontSize: 13, fontWeight: 600, margin: 0 },
  row: { display: 'flex', gap: 6, alignItems: 'center', flexWrap: 'wrap' },
  label: { display: 'flex', flexDirection: 'column', gap: 2, fontSize: 12 },
  input: { background: '#0b1a2b', color: '#e5e7eb', border: '1px solid #3a4a5f', borderRadius: 3, padding: '3px 5px', fontSize: 12 },
  textarea: { background: '#0b1a2b', color: '#e5e7eb', border: '1px solid #3a4a5f', borderRadius: 3, padding: 5, fontSize: 12, minHeight: 56, resize: 'vertical' },
  button: { background: '#1f3a5f', color: '#e5e7eb', border: '1px solid #5acce6', borderRadius: 3, padding: '4px 10px', cursor: 'pointer', fontSize: 12 },
  primary: { background: '#348cfd', color: '#fff', border: 'none', borderRadius: 3, padding: '6px 12px', cursor: 'pointer', fontSize: 13, fontWeight: 600 },
  disabled: { opacity: 0.5, cursor: 'not-allowed' },
  prompt: { background: '#05101d', border: '1px dashed #3a4a5f', padding: 5, fontFamily: 'monospace', fontSize: 11, whiteSpace: 'pre-wrap', wordBreak: 'break-word' },
  muted: { color: '#9ca3af', fontSize: 11 },
  error: { color: '#fca5a5', background: '#3b0d0d', border: '1px solid #7f1d1d', borderRadius: 3, padding: 5, fontSize: 12 },
  progressOuter: { background: '#0b1a2b', height: 8, borderRadius: 4, overflow: 'hidden', flex: 1 },
  thumbnail: { width: 96, height: 96, objectFit: 'contain', background: '#000', border: '1px solid #3a4a5f' },
} satisfies Record<string, CSSProperties>;
