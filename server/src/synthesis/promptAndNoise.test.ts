import { describe, expect, it } from 'vitest';
import { combineGuidance, guidancePasses } from './guidance.js';
import { compilePrompt, promptPrefix } from '../contract/index.js';
import { seededNormal } from './seededNoise.js';

describe('promptPrefix', () => {
  it('when fields are given, then the prefix matches the training side (prompts.py prefix)', () => {
    expect(promptPrefix({ sex: 'F', age: 63, view: 'PA' })).toBe('sex: female, age: 63, view: PA.');
    expect(promptPrefix({ age: 40 })).toBe('age: 40.');
    expect(promptPrefix({})).toBe('');
    expect(compilePrompt({ sex: 'M', view: 'AP supine', text: ' Cardiomegaly. ' })).toBe('sex: male, view: AP supine. Cardiomegaly.');
    expect(compilePrompt({ text: 'Effusion.' })).toBe('Effusion.');
  });
});

describe('seededNormal', () => {
  it('when the seed is the same, then the noise is bit-identical; other seeds differ', () => {
    expect(seededNormal(7, 1000)).toEqual(seededNormal(7, 1000));
    expect(seededNormal(7, 10)).not.toEqual(seededNormal(8, 10));
  });

  it('when many values are drawn, then they look standard normal', () => {
    const x = seededNormal(1, 200_000);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    expect(x.filter((v) => Math.abs(v) > 1.96).length / x.length).toBeCloseTo(0.05, 2);
  });

  it('when the seed is invalid, then it throws', () => {
    expect(() => seededNormal(-1, 4)).toThrow(RangeError);
    expect(() => seededNormal(1.5, 4)).toThrow(RangeError);
  });
});

describe('guidance', () => {
  it('when scales are equal, then two passes combine as v_u + g (v_c - v_u)', () => {
    expect(guidancePasses(2, 2, true)).toEqual(['full', 'none']);
    const out = combineGuidance(new Float32Array([3, 1]), ['full', 'none'], 2.5, 2.5);
    expect(out[0]).toBeCloseTo(1 + 2.5 * 2);
  });

  it('when scales differ and conditions are spatial, then three passes are combined', () => {
    const passes = guidancePasses(3, 1.5, true);
    expect(passes).toEqual(['full', 'spatial', 'none']);
    const out = combineGuidance(new Float32Array([4, 2, 1]), passes, 3, 1.5);
    expect(out[0]).toBeCloseTo(1 + 1.5 * (2 - 1) + 3 * (4 - 2));
    expect(guidancePasses(3, 1.5, false)).toEqual(['full', 'none']);
  });
});
