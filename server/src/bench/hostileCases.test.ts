import { describe, expect, it } from 'vitest';
import { hostileCases } from './hostileCases.js';

describe('hostileCases', () => {
  it('when 2000 cases are drawn, then every class of the security review is among them, the same for the same seed', () => {
    const cases = hostileCases(1, 2000, { oversizedSegStudy: '1.2.3' });
    const groups = new Set(cases.map((c) => c.group).filter((g) => g !== undefined));
    expect([...groups].sort()).toEqual(['SEG size lies', 'header-size DICOM', 'mask bombs', 'method override', 'parallel cohorts', 'wildcard patterns']);
    expect(cases.some((c) => c.headers?.['x-http-method-override'] !== undefined)).toBe(true);
    expect(cases.some((c) => c.path.includes('_method='))).toBe(true);
    expect(cases.filter((c) => c.group === 'parallel cohorts').every((c) => (c.repeat ?? 1) >= 3)).toBe(true);
    expect(hostileCases(1, 50).map((c) => c.name)).toEqual(hostileCases(1, 50).map((c) => c.name));
  });
});
