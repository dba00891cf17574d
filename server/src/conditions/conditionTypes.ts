/**
 * What a generation is conditioned on (report fields, boxes, masks), the vocabulary shared by requests, synthesis,
 * DICOM, the job database and the OHIF extension (through server/src/contract). Types, and the two lists of values.
 */

/** Patient sex as requests give it. */
export const SEXES = ['F', 'M'] as const;
export type Sex = (typeof SEXES)[number];
/** Projection as requests give it; compiled to the words the model was trained with. */
export const VIEWS = ['PA', 'AP', 'AP supine', 'lateral'] as const;
export type View = (typeof VIEWS)[number];

/** One condition channel of a model (model.json `conditions.channels`). */
export type ConditionChannel = { index: number; kind: 'mask' | 'box'; label: string };

/** A box in the coordinate space of a source image of `sourceWidth` x `sourceHeight` pixels. */
export type BoxCondition = { label: string; x0: number; y0: number; x1: number; y1: number };

/**
 * A binary mask of any size, row-major, non-zero = inside: the one decoded form of a mask (a request's PNG, a SEG's
 * segment, a cohort layout, a condition plane for the SEG writer). Its encoded form is run lengths (runLength.ts).
 */
export type BinaryMask = { label: string; width: number; height: number; data: Uint8Array };

/** The encoded form of a {@link BinaryMask}: its run lengths (runLength.ts), as requests send and the job database keeps them. */
export type RunLengthMask = { label: string; width: number; height: number; rle: number[] };

/**
 * The conditions as a request gave them, as the generation record keeps them: boxes in source-image pixels with the
 * source size, masks by label, size and sha256 of their binary pixels.
 */
export type ConditionSummary = {
  boxes: BoxCondition[];
  sourceWidth: number;
  sourceHeight: number;
  masks: { label: string; width: number; height: number; sha256: string }[];
};
