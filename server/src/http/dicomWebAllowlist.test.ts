import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { checkDicomWebRequest, type DicomWebAllowlistOptions } from './dicomWebAllowlist.js';

const S = '1.2.840.113619.2.55.3';
const SE = '1.2.3.4';
const I = '1.2.3.4.5';
const DICOM_WEB: DicomWebAllowlistOptions = { root: 'dicom-web', allowStow: true };

function refusal(method: string, url: string, headers: Record<string, string> = {}, options = DICOM_WEB): ChexgenError | undefined {
  try {
    checkDicomWebRequest(method, url, headers, options);
    return undefined;
  } catch (error) {
    if (error instanceof ChexgenError) return error;
    throw error;
  }
}

describe('checkDicomWebRequest', () => {
  it.each([
    ['GET', '/studies', 'search'],
    ['GET', '/studies?PatientName=Smith*&limit=25&offset=0&fuzzymatching=false&includefield=00081030%2C00080060', 'search'],
    ['GET', '/studies?StudyInstanceUID=1.2.3&00100020=X&00081111.00081150=1.2', 'search'],
    ['GET', '/series?Modality=SEG', 'search'],
    ['GET', `/studies/${S}/series?Modality=SEG`, 'search'],
    ['GET', `/studies/${S}/series/${SE}/instances`, 'search'],
    ['HEAD', `/studies/${S}`, 'retrieve'],
    ['GET', `/studies/${S}/metadata`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/metadata`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/metadata`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/frames/1`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/frames/1,3,17`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/frames/1/rendered?quality=90`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/rendered?accept=image%2Fpng`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/bulk/7fe00010`, 'retrieve'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/bulk/00081111/0/00081150`, 'retrieve'],
    ['GET', '/studies/', 'search'],
    ['POST', '/studies', 'store'],
    ['POST', `/studies/${S}`, 'store'],
  ])('when %s %s, then it passes as a %s request', (method, url, kind) => {
    expect(checkDicomWebRequest(method, url, { accept: 'application/dicom+json' }, DICOM_WEB)).toBe(kind);
  });

  it('when WADO-URI asks for an object, then it passes', () => {
    const url = `/?requestType=WADO&studyUID=${S}&seriesUID=${SE}&objectUID=${I}&contentType=application%2Fdicom`;
    expect(checkDicomWebRequest('GET', url, {}, { root: 'wado', allowStow: true })).toBe('wado-uri');
  });

  it.each([
    ['GET', '/servers', 404, 'path'],
    ['GET', '/servers/partner', 404, 'path'],
    ['POST', '/servers/partner/stow', 404, 'path'],
    ['POST', '/servers/partner/get', 404, 'path'],
    ['GET', '/info', 404, 'path'],
    ['GET', '/', 404, 'path'],
    ['GET', `/studies/${S}/thumbnail`, 404, 'path'],
    ['GET', '/studies/not-a-uid', 404, 'path'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/frames/0`, 404, 'path'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/frames/1;2`, 404, 'path'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/bulk/../../x`, 404, 'path'],
    ['GET', `/studies/${S}/series/${SE}/instances/${I}/bulk`, 404, 'path'],
    ['DELETE', `/studies/${S}`, 405, 'method'],
    ['PUT', '/studies', 405, 'method'],
    ['PATCH', `/studies/${S}`, 405, 'method'],
    ['POST', `/studies/${S}/series`, 405, 'method'],
    ['POST', `/studies/${S}/metadata`, 405, 'method'],
    ['GET', `/studies/${S}?_method=DELETE`, 400, 'query._method'],
    ['GET', `/studies?_method=PUT`, 400, 'query._method'],
    ['GET', `/studies?%5Fmethod=DELETE`, 400, 'query._method'],
    ['GET', '/studies?expand=1', 400, 'query.expand'],
    ['GET', `/studies/${S}/metadata?PatientName=x`, 400, 'query.PatientName'],
    ['POST', '/studies?x=1', 400, 'query.x'],
    ['GET', `/studies?${'a=1&'.repeat(1100)}`, 400, 'query'],
    ['GET', `/studies?${'PatientName=1&'.repeat(65)}`, 400, 'query'],
  ])('when %s %s, then it is refused with %i naming %s', (method, url, status, field) => {
    const error = refusal(method, url);
    expect(error?.status).toBe(status);
    expect(error?.field).toBe(field);
    expect(error?.message).toContain('refused DICOMweb request');
  });

  it.each(['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override'])(
    'when a request carries %s, then it is refused with 400 naming the header',
    (header) => {
      const error = refusal('POST', '/studies', { [header.toLowerCase()]: 'DELETE' });
      expect(error?.status).toBe(400);
      expect(error?.field).toBe(header.toLowerCase());
    },
  );

  it('when STOW is switched off, then POST /studies is refused with 405 naming CHEXGEN_DICOMWEB_STOW', () => {
    const error = refusal('POST', '/studies', {}, { root: 'dicom-web', allowStow: false });
    expect(error?.status).toBe(405);
    expect(error?.message).toContain('CHEXGEN_DICOMWEB_STOW');
  });

  it.each([
    ['/?requestType=WADO&anonymize=yes', 400, 'query.anonymize'],
    ['/?requestType=WADO&_method=DELETE', 400, 'query._method'],
    ['/instances', 404, 'path'],
  ])('when WADO-URI gets %s, then it is refused with %i naming %s', (url, status, field) => {
    const error = refusal('GET', url, {}, { root: 'wado', allowStow: true });
    expect(error?.status).toBe(status);
    expect(error?.field).toBe(field);
  });

  it('when WADO-URI gets a POST, then it is refused with 405', () => {
    expect(refusal('POST', '/?requestType=WADO', {}, { root: 'wado', allowStow: true })?.status).toBe(405);
  });
});
