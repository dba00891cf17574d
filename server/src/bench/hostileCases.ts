import { deflateSync } from 'node:zlib';
import { mulberry32 } from '../cohorts/random.js';
import { encodeMultipartRelated } from '../pacs/multipartRelated.js';
import { frameCountLie, segSizeLie } from './hostileDicom.js';

/**
 * One request of the fuzz run, sent as is; `repeat` copies at once (parallel submissions). `group` names the class
 * of attack it belongs to, for the report.
 */
export type FuzzCase = { name: string; method: string; path: string; headers?: Record<string, string>; body?: Buffer; repeat?: number; group?: string };

/** What the run prepared on the server before the cases: a SEG too large for a mask (its study). */
export type FuzzTargets = { oversizedSegStudy?: string };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit gray checkerboard PNG of `size` x `size`: a few KB that decode to a run per pixel (a "mask bomb"). */
const checkerboards = new Map<number, Buffer>();
function checkerboardPng(size: number): Buffer {
  const cached = checkerboards.get(size);
  if (cached !== undefined) return cached;
  const raw = Buffer.alloc(size * (size + 1));
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) raw[y * (size + 1) + 1 + x] = (x + y) & 1 ? 255 : 0;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
  checkerboards.set(size, png);
  return png;
}

/** A PNG whose header claims width x height (8-bit gray) with `rows` of real data: bombs and truncated images. */
function png(width: number, height: number, rows = height): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc(Math.min(rows, 64) * (Math.min(width, 4096) + 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const VALID = { text: 'Cardiomegaly.', sex: 'F', age: 63, view: 'PA', steps: 1, seed: 1 };
const VALID_COHORT = { size: 2, seed: 1, steps: 1, findings: { nodule: 0.5 } };
const COHORT_FIELDS = ['size', 'seed', 'sex', 'ageBands', 'view', 'findings', 'layout', 'steps', 'guidance', 'sampler', 'model', 'idempotencyKey'];
const FIELDS = ['text', 'sex', 'age', 'view', 'boxes', 'sourceWidth', 'sourceHeight', 'masks', 'count', 'seed', 'steps', 'guidance', 'spatialGuidance', 'sampler', 'model', 'sourceStudy', 'idempotencyKey'];

/** Values of every wrong kind: types, extremes, long and odd strings, nesting. */
function hostileValue(random: () => number): unknown {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });
  return pick<() => unknown>([
    () => null, () => true, () => 0, () => -1, () => 1e308, () => -1e308, () => 5e-324, () => 2 ** 53 + 1, () => 4294967296, () => 0.5,
    () => '', () => ' ', () => 'NaN', () => 'Infinity', () => '1e999', () => '\u0000', () => '\u202e\ud83d\ude00', () => 'x'.repeat(10_000 + Math.floor(random() * 100_000)),
    () => '../../../etc/passwd', () => '<script>alert(1)</script>', () => "' OR 1=1 --", () => '%00%2e%2e%2f', () => '\ud800', () => '1.2.3.4.5.6.7.8.9.0'.repeat(10),
    () => [], () => [null], () => Array.from({ length: 1000 }, () => 1), () => {}, () => ({ __proto__: { polluted: true } }), () => ({ constructor: { prototype: { polluted: true } } }),
    () => nested(50), () => [[[[[[[[[[1]]]]]]]]]],
    () => [{ label: 'nodule', x0: 'a', y0: 1, x1: 2, y1: 3 }], () => [{ label: 'nodule', x0: 1e308, y0: -1e308, x1: 1e308, y1: 1e308 }],
    () => [{ label: '__proto__', x0: 1, y0: 1, x1: 9, y1: 9 }], () => [{ label: 'heart', png: 'AAAA' }], () => [{ label: 'heart', png: '!!!!' }],
    () => [{ label: 'heart', png: png(100_000, 100_000, 1).toString('base64') }], () => [{ label: 'heart', png: png(64, 64, 3).toString('base64') }],
    () => [{ label: 'heart', png: png(32, 32).toString('base64').slice(0, 40) }], () => [{ label: 'heart', png: png(8192, 8192, 1).toString('base64') }],
    () => [{ label: 'heart', width: 8192, height: 8192, rle: [67_108_864] }], () => [{ label: 'heart', width: 2, height: 2, rle: [-1, 5] }],
    () => [{ label: 'heart', width: 2, height: 2, rle: [1e308] }], () => [{ label: 'heart', width: 0.5, height: 2, rle: [1] }],
    () => [{ label: 'heart', width: 4, height: 4, rle: Array.from({ length: 20_000 }, () => 0) }],
    () => [{ seg: { StudyInstanceUID: '1.2.3' } }], () => [{ seg: { StudyInstanceUID: '../../x' } }], () => [{ seg: { StudyInstanceUID: '1.2', SeriesInstanceUID: 5 } }],
    () => [{ seg: 'x', label: 'heart' }], () => ({ F: 1e308, M: -1 }), () => ({ '0-200': 1 }), () => ({ '__proto__': 1 }), () => ({ nodule: 2 }), () => ({ PA: 0 }),
  ])();
}

/**
 * `count` hostile requests from `seed`: mutated synthesis bodies, broken bodies and headers, path tricks and odd
 * methods, in a fixed proportion (most are bodies).
 */
export function hostileCases(seed: number, count: number, targets: FuzzTargets = {}): FuzzCase[] {
  const random = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const json = { 'content-type': 'application/json' };
  const post = (name: string, body: Buffer | string, headers: Record<string, string> = json): FuzzCase => ({
    name, method: 'POST', path: '/api/v1/syntheses', headers, body: typeof body === 'string' ? Buffer.from(body) : body,
  });
  const uuid = '00000000-0000-4000-8000-000000000000';
  const generators: [number, () => FuzzCase][] = [
    [50, () => {
      const body: Record<string, unknown> = { ...VALID };
      const changes = 1 + Math.floor(random() * 3);
      const fields: string[] = [];
      for (let i = 0; i < changes; i++) {
        const field = random() < 0.9 ? pick(FIELDS) : pick(['__proto__', 'constructor', 'extra', '', 'TEXT']);
        body[field] = hostileValue(random);
        fields.push(field);
      }
      if (random() < 0.3) delete body.text;
      return post(`body ${fields.join(',')}`, JSON.stringify(body));
    }],
    [12, () => pick([
      () => post('not JSON', '{"text": "x",'),
      () => post('empty body', ''),
      () => post('JSON scalar', '42'),
      () => post('JSON string', '"text"'),
      () => post('JSON null', 'null'),
      () => post('JSON array', '[{"text":"x"}]'),
      () => post('invalid UTF-8', Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')])),
      () => post('BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(VALID))])),
      () => post('UTF-16 charset', Buffer.from(JSON.stringify(VALID), 'utf16le'), { 'content-type': 'application/json; charset=utf-16' }),
      () => post('unknown charset', JSON.stringify(VALID), { 'content-type': 'application/json; charset=klingon' }),
      () => post('gzip garbage', Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      () => post('brotli', JSON.stringify(VALID), { 'content-type': 'application/json', 'content-encoding': 'br' }),
      () => post('text/plain', JSON.stringify(VALID), { 'content-type': 'text/plain' }),
      () => post('form', 'text=x&steps=1', { 'content-type': 'application/x-www-form-urlencoded' }),
      () => post('no content type', JSON.stringify(VALID), {}),
      () => post('deep nesting', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      () => post('deep object', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`),
      () => post('duplicate keys', '{"text":"x","text":5,"steps":1,"steps":"9"}'),
      () => post('big number literal', `{"text":"x","seed":${'9'.repeat(5000)}}`),
      () => post('oversized body', Buffer.alloc(17 * 2 ** 20 + Math.floor(random() * 1000), 0x20)),
      () => post('bad idempotency header', JSON.stringify(VALID), { ...json, 'idempotency-key': pick(['', ' ', 'a b', 'x'.repeat(300), '\t']) }),
      () => post('bad token', JSON.stringify(VALID), { ...json, authorization: pick(['Bearer', 'Bearer ' + 'x'.repeat(10_000), 'Basic Zm9vOmJhcg==', 'bearer  ']) }),
    ])()],
    [25, () => {
      const id = pick([uuid, '..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%00', '%', '%E0%A4%A', 'x'.repeat(5000), '%F0%9F%98%80', '%20', '*', '1;DROP TABLE jobs', uuid.toUpperCase(), `${uuid}/../${uuid}`]);
      const suffix = pick(['', '/events', '/preview/0.png', '/preview/-1.png', '/preview/99999999999999999999.png', '/preview/0.PNG', '/preview/..%2f..%2fjobs.sqlite', '/preview/%2e%2e.png', '/preview/0.png/..', '//']);
      const query = pick(['', '?a=1', '?a[b]=1&a[c]=2', `?${'a=1&'.repeat(2000)}`, '?%zz', '?__proto__[x]=1']);
      return { name: `path ${id.slice(0, 20)}${suffix}`, method: pick(['GET', 'GET', 'DELETE', 'HEAD']), path: `/api/v1/syntheses/${id}${suffix}${query}` };
    }],
    [8, () => {
      const path = pick(['/api/v1/syntheses', '/api/v1/models', '/api/v1/openapi.json', '/api', '/api/v2/syntheses', '/metrics', '/healthz', '/readyz', '/api/v1/../../etc/passwd', '/api/v1/%2e%2e/%2e%2e/', '//api//v1//syntheses', '/api/v1/syntheses/']);
      return { name: `method on ${path}`, method: pick(['PUT', 'PATCH', 'OPTIONS', 'TRACE', 'DELETE', 'GET', 'POST', 'PROPFIND']), path, headers: json, body: Buffer.from('{}') };
    }],
    [15, () => {
      const body: Record<string, unknown> = { ...VALID_COHORT };
      const field = random() < 0.9 ? pick(COHORT_FIELDS) : pick(['__proto__', 'constructor', 'extra', 'text']);
      body[field] = hostileValue(random);
      if (random() < 0.2) delete body.size;
      return { ...post(`cohort ${field}`, JSON.stringify(body)), path: '/api/v1/cohorts' };
    }],
    [5, () => {
      const id = pick([uuid, '..', '%2e%2e', 'x'.repeat(3000), '%00']);
      const suffix = pick(['', '/events', '/manifest.json', '/manifest.csv', '/manifest.exe', '/../../jobs.sqlite']);
      return { name: `cohort path ${id.slice(0, 20)}${suffix}`, method: pick(['GET', 'DELETE', 'HEAD']), path: `/api/v1/cohorts/${id}${suffix}` };
    }],
    [5, () => {
      const boxes = Array.from({ length: pick([65, 1000, 20_000]) }, () => ({ label: 'nodule', x0: 1, y0: 1, x1: 9, y1: 9 }));
      return post(`many boxes (${boxes.length})`, JSON.stringify({ ...VALID, boxes }));
    }],
    // ---- issue 13: the classes of the security review ----
    [6, () => {
      const study = '1.2.3.4';
      const override = pick(['DELETE', 'PUT', 'PATCH', 'POST']);
      const [method, path, headers] = pick<[string, string, Record<string, string>]>([
        ['GET', `/dicom-web/studies/${study}`, { 'x-http-method-override': override }],
        ['POST', '/dicom-web/studies', { 'x-http-method-override': override, 'content-type': 'application/json' }],
        ['GET', `/dicom-web/studies?_method=${override}`, {}],
        ['GET', `/dicom-web/studies/${study}?_method=DELETE`, {}],
        ['POST', '/dicom-web/servers/evil', { 'x-http-method-override': 'PUT', 'content-type': 'application/json' }],
        ['GET', '/dicom-web/servers/evil?_method=DELETE', {}],
        ['POST', '/dicom-web/servers/evil/stow', { 'content-type': 'application/json' }],
        ['POST', '/dicom-web/servers/evil/get', { 'content-type': 'application/json' }],
        ['GET', '/dicom-web/../peers', {}],
        ['GET', '/dicom-web/%2e%2e/tools/execute-script', {}],
        ['DELETE', `/dicom-web/studies/${study}`, {}],
        ['PUT', '/dicom-web/studies', {}],
        ['GET', '/wado?requestType=WADO&anonymize=yes', {}],
        ['GET', `/dicom-web/studies?expand=1&${'PatientName=a&'.repeat(70)}`, { 'x-method-override': override }],
      ]);
      return { group: 'method override', name: `dicom-web ${method} ${path.slice(0, 40)}`, method, path, headers, body: method === 'GET' || method === 'DELETE' ? undefined : Buffer.from('{"Url":"http://127.0.0.1:1/","Resources":["1.2.3.4"]}') };
    }],
    [5, () => {
      const stars = 1 + Math.floor(random() * 24);
      const pattern = pick([
        () => `*${'a*'.repeat(stars)}b`,
        () => `${'?'.repeat(stars)}*${'a?*'.repeat(stars)}`,
        () => `*${'a'.repeat(Math.floor(random() * 300))}*`,
        () => '*'.repeat(stars * 3),
      ])();
      const key = pick(['PatientName', 'PatientID', 'StudyDescription', '00100010', 'AccessionNumber']);
      const level = pick(['studies', 'series', `studies/1.2.3/series`]);
      return { group: 'wildcard patterns', name: `QIDO ${key} with ${stars} wildcards`, method: 'GET', path: `/dicom-web/${level}?${key}=${encodeURIComponent(pattern)}` };
    }],
    [3, () => {
      const lie = frameCountLie({ frames: pick([2 ** 31, 2 ** 31 - 1, 1e9, 65_536, 10_001, 2]) });
      const { body, contentType } = encodeMultipartRelated([lie.bytes], 'application/dicom');
      return pick<FuzzCase>([
        { group: 'header-size DICOM', name: 'STOW a frame-count lie', method: 'POST', path: '/dicom-web/studies', headers: { 'content-type': contentType }, body },
        { group: 'header-size DICOM', name: 'metadata of a frame-count lie', method: 'GET', path: `/dicom-web/studies/${lie.studyUid}/metadata` },
      ]);
    }],
    [3, () => {
      const lie = segSizeLie({ rows: pick([8192, 4096, 65535]), columns: pick([8192, 4096, 65535]), frames: pick([1, 3, 1000]) });
      const { body, contentType } = encodeMultipartRelated([lie.bytes], 'application/dicom');
      return pick<FuzzCase>([
        { group: 'SEG size lies', name: 'STOW a SEG size lie', method: 'POST', path: '/dicom-web/studies', headers: { 'content-type': contentType }, body },
        { ...post('SEG mask of a size lie', JSON.stringify({ ...VALID, masks: [{ seg: { StudyInstanceUID: lie.studyUid } }] })), group: 'SEG size lies' },
        ...(targets.oversizedSegStudy === undefined ? [] : [{ ...post('SEG mask past the pixel limit', JSON.stringify({ ...VALID, masks: [{ seg: { StudyInstanceUID: targets.oversizedSegStudy } }] })), group: 'SEG size lies' }]),
      ]);
    }],
    [5, () => {
      const size = pick([1024, 2048, 4096]);
      const masks = pick([
        () => [{ label: 'heart', png: checkerboardPng(size).toString('base64') }],
        () => [{ label: 'heart', width: 1000, height: 1000, rle: Array.from({ length: 100_001 + Math.floor(random() * 1000) }, () => 1) }],
        () => Array.from({ length: 16 }, (_, i) => ({ label: i % 2 ? 'heart' : 'right_lung', width: 4096, height: 4096, rle: [4096 * 4096] })),
      ])();
      return { ...post(`mask bomb (${masks.length} mask(s))`, JSON.stringify({ ...VALID, masks })), group: 'mask bombs' };
    }],
    [2, () => ({
      ...post('parallel cohorts', JSON.stringify({ size: 20 + Math.floor(random() * 30), seed: Math.floor(random() * 1000), steps: 1 })),
      path: '/api/v1/cohorts', repeat: 3 + Math.floor(random() * 4), group: 'parallel cohorts',
    })],
  ];
  const total = generators.reduce((sum, [weight]) => sum + weight, 0);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    let r = random() * total;
    const generator = generators.find(([weight]) => (r -= weight) < 0) ?? generators[0];
    cases.push(generator[1]());
  }
  return cases;
}
