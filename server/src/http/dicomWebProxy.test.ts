import { describe, expect, it } from 'vitest';
import { ChexgenError } from '../errors.js';
import { createDicomWebProxy, normaliseProxyPath, siblingWadoUrl } from './dicomWebProxy.js';

/** The error normaliseProxyPath throws for `url`, or undefined when it accepts it. */
function refusal(url: string): ChexgenError | undefined {
  try {
    normaliseProxyPath(url);
    return undefined;
  } catch (error) {
    if (error instanceof ChexgenError) return error;
    throw error;
  }
}

describe('normaliseProxyPath', () => {
  it.each([
    '/studies',
    '/studies/',
    '/',
    '/?requestType=WADO&studyUID=1.2.3&contentType=application%2Fdicom',
    '/studies?PatientName=Smith*&limit=25&offset=0&fuzzymatching=false&includefield=00081030%2C00080060',
    '/studies/1.2.840.113619.2.55/series/1.2.3/instances/4.5.6/frames/1,2',
    '/studies/1.2.3/series/4.5.6/instances/7.8.9/metadata',
    '/studies?StudyDescription=chest%20x-ray&PatientName=%5EJohn',
  ])('when the path is %j, then it is returned unchanged', (url) => {
    expect(normaliseProxyPath(url)).toBe(url);
  });

  it.each([
    ['/../../system', '"." and ".."'],
    ['/studies/../../system', '"." and ".."'],
    ['/studies/..', '"." and ".."'],
    ['/./studies', '"." and ".."'],
    ['/%2e%2e/%2e%2e/system', '"." and ".."'],
    ['/%2E%2E/system', '"." and ".."'],
    ['/.%2e/system', '"." and ".."'],
    ['/studies%2f..%2f..%2fsystem', 'encoded slashes'],
    ['/studies%2F1', 'encoded slashes'],
    ['/studies%5c..%5csystem', 'encoded slashes, backslashes'],
    ['/studies\\..\\system', 'backslashes'],
    ['/studies%0d%0aX-Injected:%201', 'control characters'],
    ['/studies%00', 'control characters'],
    ['/studies?PatientName=a%0d%0aHost:evil', 'control characters are not allowed in the query'],
    ['/studies\r\nX: 1', 'control characters'],
    ['http://evil.example/system', 'not an absolute URL'],
    ['//evil.example/system', 'not an absolute URL'],
    ['studies', 'not an absolute URL'],
    ['', 'not an absolute URL'],
    ['/studies//series', 'empty path segments'],
    ['/studies/%zz', 'malformed percent escape'],
    ['/studies?PatientName=%E0%A4%A', 'malformed percent escape in the query'],
  ])('when the path is %j, then it is refused with 400 (%s)', (url, rule) => {
    const error = refusal(url);
    expect(error).toBeInstanceOf(ChexgenError);
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('INVALID_FIELD');
    expect(error?.field).toBe('path');
    expect(error?.message).toContain(rule);
  });
});

describe('siblingWadoUrl', () => {
  it.each([
    ['http://orthanc:8042/dicom-web', 'http://orthanc:8042/wado'],
    ['http://orthanc:8042/dicom-web/', 'http://orthanc:8042/wado'],
    ['https://pacs.example/orthanc/dicom-web', 'https://pacs.example/orthanc/wado'],
  ])('when the DICOMweb root is %s, then WADO-URI is %s (Orthanc layout)', (root, wado) => {
    expect(siblingWadoUrl(root)).toBe(wado);
  });
});

describe('createDicomWebProxy', () => {
  it('when the target carries credentials, then they are dropped from the target it reports', () => {
    const proxy = createDicomWebProxy({ target: 'http://user:secret@orthanc:8042/dicom-web/' });
    expect(proxy.target).toBe('http://orthanc:8042/dicom-web');
    proxy.close();
  });

  it.each([['ftp://orthanc/dicom-web'], ['http://orthanc/dicom-web?x=1']])(
    'when the target is %s, then construction fails naming the target',
    (target) => {
      expect(() => createDicomWebProxy({ target })).toThrow(ChexgenError);
    },
  );
});
