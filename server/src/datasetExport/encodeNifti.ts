import { gzipSync } from 'node:zlib';
import { NIFTI1 } from 'nifti-reader-js';

/** A 2-D image to write as NIfTI-1: row-major pixels, `width` columns by `height` rows. */
export type NiftiImage2d = { width: number; height: number; data: Uint16Array | Uint8Array; description: string };

const HEADER_BYTES = 352; // 348-byte header + the 4 extension bytes of a single-file .nii

/**
 * A gzipped single-file NIfTI-1 (`.nii.gz`) of a 2-D image, its header built and serialised by nifti-reader-js
 * (NIFTI1.toArrayBuffer). Layout as NIfTI readers (nibabel, hence MONAI's LoadImage) expect: dim = [2, width,
 * height], i (x) along the columns, j (y) along the rows, x fastest, so our row-major pixels are the data as they
 * are; a reader's array has shape (width, height). uint16 for images, uint8 for label maps. A radiograph has no
 * patient geometry: qform and sform codes are 0 (unknown) and pixdim is 1, so readers use a unit affine; no units.
 */
export function encodeNifti2d(image: NiftiImage2d): Buffer {
  const { width, height, data } = image;
  if (data.length !== width * height) throw new Error(`encodeNifti2d: ${data.length} pixels for ${width}x${height}`);
  const header = new NIFTI1();
  header.littleEndian = true;
  header.dims = [2, width, height, 1, 1, 1, 1, 1];
  header.datatypeCode = data instanceof Uint16Array ? NIFTI1.TYPE_UINT16 : NIFTI1.TYPE_UINT8;
  header.numBitsPerVoxel = data instanceof Uint16Array ? 16 : 8;
  header.pixDims = [1, 1, 1, 1, 1, 1, 1, 1];
  header.vox_offset = HEADER_BYTES;
  header.scl_slope = 1;
  header.scl_inter = 0;
  header.xyzt_units = 0;
  header.qform_code = 0;
  header.sform_code = 0;
  header.affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  header.description = truncateAscii(image.description, 79);
  header.aux_file = '';
  header.intent_name = '';
  header.magic = 'n+1';
  const head = Buffer.from(header.toArrayBuffer(false));
  if (head.length !== HEADER_BYTES) throw new Error(`encodeNifti2d: header of ${head.length} bytes`);
  const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // NIfTI data are in the header's byte order: little-endian, as Uint16Array is on every platform Node supports
  return gzipSync(Buffer.concat([head, pixels]), { level: 6 });
}

/** At most `max` printable ASCII characters (the header's text fields are fixed-size byte arrays). */
function truncateAscii(text: string, max: number): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}
