import { encodeRuns } from '../conditions/runLength.js';
import type { StoredMask } from '../jobs/jobTypes.js';
import { normal, type Random } from './random.js';

/**
 * Where the anatomy is in one subject's image: binary masks (row-major, 1 = inside) at `size` x `size` pixels.
 * Findings with a place get boxes inside the lungs. `source` says where the layout came from (for the manifest).
 */
export type Layout = { size: number; masks: { label: string; data: Uint8Array }[]; source: string };

/** A set of layouts to draw from: the built-in templates or annotations read from a manifest. */
export type LayoutSource = { kind: 'templates' | 'annotations'; draw(random: Random, size: number): Promise<Layout> };

type Box = { x0: number; y0: number; x1: number; y1: number };

/**
 * Mean and spread of the anatomy boxes in 256-px chest radiographs (aggregate statistics of the 503 train-split
 * images with anatomy boxes in the shared cxr256 data: no image or patient is in them). Order x0, y0, x1, y1.
 */
const ANATOMY_STATS: Record<'right_lung' | 'left_lung' | 'heart', { mean: number[]; std: number[] }> = {
  right_lung: { mean: [24.0, 30.4, 117.3, 206.3], std: [13.1, 15.3, 7.9, 23.6] },
  left_lung: { mean: [141.1, 30.6, 232.4, 209.8], std: [8.2, 16.0, 12.8, 23.0] },
  heart: { mean: [98.8, 115.8, 195.9, 196.5], std: [7.9, 12.8, 10.3, 15.0] },
};

function jitteredBox(random: Random, stats: { mean: number[]; std: number[] }, scale: number): Box {
  // half the population spread keeps templates plausible; the full spread makes some odd shapes
  const [x0, y0, x1, y1] = stats.mean.map((m, i) => (m + 0.5 * (stats.std[i] ?? 0) * Math.max(-2, Math.min(2, normal(random)))) * scale) as [number, number, number, number];
  return { x0, y0, x1, y1 };
}

/**
 * A lung inside its box: rounded apex, widening to the full box by 40% of its height, a diaphragm dome that rises
 * towards the midline, and the lateral costophrenic angle lowest. `medialRight`: the medial side is the box's right
 * edge (the patient's right lung, on the image's left).
 */
function lungMask(size: number, box: Box, medialRight: boolean): Uint8Array {
  const out = new Uint8Array(size * size);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const apex = medialRight ? box.x0 + 0.6 * w : box.x1 - 0.6 * w;
  for (let y = Math.max(0, Math.floor(box.y0)); y < Math.min(size, Math.ceil(box.y1)); y++) {
    const t = (y - box.y0) / h;
    const f = Math.sqrt(Math.min(1, Math.max(0, t) / 0.4));
    const left = apex - (apex - box.x0) * f;
    const right = apex + (box.x1 - apex) * f;
    for (let x = Math.max(0, Math.floor(left)); x < Math.min(size, Math.ceil(right)); x++) {
      const towardsMidline = medialRight ? (x - box.x0) / w : (box.x1 - x) / w;
      const bottom = box.y1 - 0.22 * h * Math.pow(Math.max(0, towardsMidline), 1.5);
      if (y <= bottom) out[y * size + x] = 1;
    }
  }
  return out;
}

function ellipseMask(size: number, box: Box): Uint8Array {
  const out = new Uint8Array(size * size);
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  const rx = (box.x1 - box.x0) / 2;
  const ry = (box.y1 - box.y0) / 2;
  for (let y = Math.max(0, Math.floor(box.y0)); y < Math.min(size, Math.ceil(box.y1)); y++) {
    for (let x = Math.max(0, Math.floor(box.x0)); x < Math.min(size, Math.ceil(box.x1)); x++) {
      if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) out[y * size + x] = 1;
    }
  }
  return out;
}

/**
 * A plausible adult PA layout drawn around the mean anatomy: lung shapes from jittered boxes, the heart as an
 * ellipse, the lungs cut where the heart is. Pure: the same generator state gives the same layout.
 */
export function templateLayout(random: Random, size: number): Layout {
  const scale = size / 256;
  const rightBox = jitteredBox(random, ANATOMY_STATS.right_lung, scale);
  const leftBox = jitteredBox(random, ANATOMY_STATS.left_lung, scale);
  const heartBox = jitteredBox(random, ANATOMY_STATS.heart, scale);
  const heart = ellipseMask(size, heartBox);
  const right = lungMask(size, rightBox, true);
  const left = lungMask(size, leftBox, false);
  for (let i = 0; i < heart.length; i++) {
    if (heart[i] === 1) {
      right[i] = 0;
      left[i] = 0;
    }
  }
  return {
    size,
    masks: [
      { label: 'right_lung', data: right },
      { label: 'left_lung', data: left },
      { label: 'heart', data: heart },
    ],
    source: 'template',
  };
}

/** The built-in templates. */
export const TEMPLATE_LAYOUTS: LayoutSource = { kind: 'templates', draw: async (random, size) => templateLayout(random, size) };

/** A layout's masks as the job database stores them, keeping only the labels the model has. */
export function storedMasks(layout: Layout, maskLabels: readonly string[]): StoredMask[] {
  return layout.masks
    .filter((m) => maskLabels.includes(m.label) && m.data.some((v) => v === 1))
    .map((m) => ({ label: m.label, width: layout.size, height: layout.size, rle: encodeRuns(m.data) }));
}

/**
 * A finding box of side between minSize and maxSize (pixels at 256, scaled) centred on a random pixel of the lungs,
 * kept inside the image. Falls back to the image centre when the layout has no lung pixel.
 */
export function boxInLungs(random: Random, layout: Layout, minSize: number, maxSize: number): Box {
  const scale = layout.size / 256;
  const lungs = layout.masks.filter((m) => m.label === 'right_lung' || m.label === 'left_lung');
  const side = (minSize + random() * (maxSize - minSize)) * scale;
  let cx = layout.size / 2;
  let cy = layout.size / 2;
  for (let attempt = 0; attempt < 200 && lungs.length > 0; attempt++) {
    const x = Math.floor(random() * layout.size);
    const y = Math.floor(random() * layout.size);
    if (lungs.some((m) => m.data[y * layout.size + x] === 1)) {
      cx = x + 0.5;
      cy = y + 0.5;
      break;
    }
  }
  const half = side / 2;
  const clamp = (v: number) => Math.min(layout.size - side, Math.max(0, v));
  const x0 = clamp(cx - half);
  const y0 = clamp(cy - half);
  const round = (v: number) => Math.round(v * 10) / 10;
  return { x0: round(x0), y0: round(y0), x1: round(x0 + side), y1: round(y0 + side) };
}
