/**
 * The vocabulary of spatial conditions, shared by requests, synthesis, DICOM and the job database. Types only.
 */

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
