import sharp from 'sharp';
import type { ManifestSubject } from './cohortManifest.js';

/**
 * A subject's tile: its preview (8-bit PNG at the model resolution; undefined once purged after
 * CHEXGEN_PREVIEW_RETENTION_DAYS, drawn as a grey tile that says so) and what was asked for.
 */
export type SheetTile = { subject: ManifestSubject; preview: Buffer | undefined; resolution: number };

const TILE = 192;
const CAPTION = 34;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The stand-in for a purged preview: mid-grey, with a line that says why (the study itself is in the store). */
function purgedTile(): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${TILE}">
<rect width="${TILE}" height="${TILE}" fill="#444"/>
<text x="${TILE / 2}" y="${TILE / 2 - 6}" text-anchor="middle" font-family="sans-serif" font-size="13" fill="#ddd">preview purged</text>
<text x="${TILE / 2}" y="${TILE / 2 + 12}" text-anchor="middle" font-family="sans-serif" font-size="11" fill="#bbb">the study is in the store</text>
</svg>`);
}

/** The caption and box outlines of one tile, as SVG drawn over it. */
function overlay(tile: SheetTile): Buffer {
  const s = TILE / tile.resolution;
  const { subject } = tile;
  const boxes = subject.boxes
    .map((b) => `<rect x="${(b.x0 * s).toFixed(1)}" y="${(b.y0 * s).toFixed(1)}" width="${((b.x1 - b.x0) * s).toFixed(1)}" height="${((b.y1 - b.y0) * s).toFixed(1)}" fill="none" stroke="#ffd200" stroke-width="2"/>`)
    .join('');
  const line1 = `#${subject.subject} ${subject.sex} ${subject.age} ${subject.view}`;
  const line2 = subject.findings.length > 0 ? subject.findings.join(', ') : 'normal';
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${TILE + CAPTION}">
${boxes}
<rect x="0" y="${TILE}" width="${TILE}" height="${CAPTION}" fill="#111"/>
<text x="4" y="${TILE + 14}" font-family="sans-serif" font-size="12" fill="#eee">${escapeXml(line1)}</text>
<text x="4" y="${TILE + 29}" font-family="sans-serif" font-size="12" fill="#ffd200">${escapeXml(line2.slice(0, 30))}</text>
</svg>`);
}

/**
 * A contact sheet of a cohort: one tile per subject (preview, requested finding boxes in yellow, sex, age, view and
 * findings underneath), `columns` per row, as a PNG. For people who would rather look at a cohort than read its CSV.
 */
export async function renderContactSheet(tiles: readonly SheetTile[], columns = 6): Promise<Buffer> {
  const cols = Math.max(1, Math.min(columns, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / cols));
  const composed = await Promise.all(
    tiles.map(async (tile, i) => {
      const image = await sharp(tile.preview ?? purgedTile()).resize(TILE, TILE).extend({ bottom: CAPTION, background: '#111' }).toColourspace('srgb').png().toBuffer();
      const input = await sharp(image).composite([{ input: overlay(tile), left: 0, top: 0 }]).png().toBuffer();
      return { input, left: (i % cols) * (TILE + 4), top: Math.floor(i / cols) * (TILE + CAPTION + 4) };
    }),
  );
  return sharp({ create: { width: cols * (TILE + 4) - 4, height: rows * (TILE + CAPTION + 4) - 4, channels: 3, background: '#000' } })
    .composite(composed)
    .png({ compressionLevel: 9, palette: true, colours: 256 })
    .toBuffer();
}
