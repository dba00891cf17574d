import { describe, expect, it } from 'vitest';
import { readPart10 } from './readPart10.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLEMENTATION_CLASS_UID, toPart10 } from './toPart10.js';

const minimal = {
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
  SOPInstanceUID: '2.25.42',
  SpecificCharacterSet: 'ISO_IR 192',
  PatientName: 'SYNTHETIC^X',
  ImageComments: 'a \\ b',
  ContributingEquipmentSequence: [{ Manufacturer: 'Größe', ContributionDescription: 'c \\ d ≥ e' }],
};

describe('toPart10 / readPart10', () => {
  it('when a dataset is encoded, then it is Part 10 explicit VR little endian with our implementation UID', () => {
    const bytes = toPart10(minimal);
    expect(Buffer.from(bytes.subarray(128, 132)).toString('latin1')).toBe('DICM');
    const meta = readPart10(bytes)._meta as Record<string, unknown>;
    expect(meta).toMatchObject({
      TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
      MediaStorageSOPClassUID: minimal.SOPClassUID,
      MediaStorageSOPInstanceUID: minimal.SOPInstanceUID,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    });
  });

  it('when read back, then backslashes in single-valued text and UTF-8 inside sequences survive', () => {
    const back = readPart10(toPart10(minimal));
    expect(back.ImageComments).toBe('a \\ b');
    const item = (back.ContributingEquipmentSequence as Record<string, unknown>[])[0];
    expect(item.Manufacturer).toBe('Größe');
    expect(item.ContributionDescription).toBe('c \\ d ≥ e');
  });

  it('when a keyword is unknown, even inside a sequence, then encoding throws instead of dropping it', () => {
    expect(() => toPart10({ ...minimal, PatientNmae: 'x' })).toThrow(/unknown DICOM keyword "PatientNmae"/);
    expect(() => toPart10({ ...minimal, ContributingEquipmentSequence: [{ Manufactuer: 'x' }] })).toThrow(
      /"ContributingEquipmentSequence\[0\]\.Manufactuer"/,
    );
  });

  it('when the SOP identity is missing, then encoding throws', () => {
    expect(() => toPart10({ PatientName: 'x' })).toThrow(/SOPClassUID and SOPInstanceUID/);
  });
});
