import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { ChexgenError } from '../errors.js';
import type { Layout, LayoutSource } from './layouts.js';
import { pickOne } from './random.js';

/** One manifest row with a mask: the file and which bit holds which structure. */
type AnnotatedRow = { id: string; maskFile: string; bits: { bit: number; label: string }[] };

const BIT = /^bit(\d+)=([a-z_]+)$/;

/** 'bit0=right_lung;bit1=left_lung_incl_retrocardiac' -> [{0, right_lung}, {1, left_lung}]: lung masks that include the retrocardiac region count as lungs, as in training (chexgen_train/data.py). */
export function parseMaskChannels(spec: string): { bit: number; label: string }[] {
  return spec
    .split(';')
    .map((part) => BIT.exec(part.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ bit: Number(m[1]), label: (m[2] ?? '').replace(/_incl_retrocardiac$/, '') }));
}

/**
 * Layouts drawn from real annotations: a CSV manifest in the layout of the training data (columns id, split,
 * mask_file, mask_channels; mask PNGs with one bit per structure, paths relative to the manifest), rows of `split`
 * only. Used for cohorts with `layout: "annotations"` when CHEXGEN_LAYOUTS_MANIFEST names such a file. A mask is
 * read when a subject draws it, so a large manifest costs nothing at startup.
 */
export function loadAnnotationLayouts(manifestPath: string, split: string): LayoutSource & { rows: number } {
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (cause) {
    throw new ChexgenError('INVALID_FIELD', `CHEXGEN_LAYOUTS_MANIFEST: cannot read ${manifestPath}`, { field: 'CHEXGEN_LAYOUTS_MANIFEST', cause });
  }
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string | undefined>[];
  const root = dirname(resolve(manifestPath));
  const rows: AnnotatedRow[] = records
    .filter((r) => (r.split ?? split) === split && (r.mask_file ?? '') !== '' && (r.mask_channels ?? '') !== '')
    .map((r) => ({ id: r.id ?? '', maskFile: resolve(root, r.mask_file ?? ''), bits: parseMaskChannels(r.mask_channels ?? '') }))
    .filter((r) => r.maskFile.startsWith(root + sep) && r.bits.length > 0);
  if (rows.length === 0) {
    throw new ChexgenError('INVALID_FIELD', `CHEXGEN_LAYOUTS_MANIFEST: ${manifestPath} has no rows of split "${split}" with mask_file and mask_channels`, {
      field: 'CHEXGEN_LAYOUTS_MANIFEST',
    });
  }
  return {
    kind: 'annotations',
    rows: rows.length,
    async draw(random, size): Promise<Layout> {
      const row = pickOne(random, rows);
      const { data, info } = await sharp(row.maskFile)
        .extractChannel(0)
        .resize(size, size, { kernel: 'nearest', fit: 'fill' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.width !== size || info.height !== size) throw new Error(`annotation mask ${row.maskFile}: unexpected size`);
      const masks = row.bits.map(({ bit, label }) => {
        const plane = new Uint8Array(size * size);
        for (let i = 0; i < plane.length; i++) plane[i] = ((data[i] ?? 0) >> bit) & 1;
        return { label, data: plane };
      });
      return { size, masks, source: `annotation:${row.id}` };
    },
  };
}
