import { describe, expect, it } from 'vitest';
import { wildcardMatch, type StepCounter } from './wildcardMatch.js';

/** The same question answered by brute force over every split (exponential; only for short inputs). */
function reference(pattern: string, text: string): boolean {
  if (pattern === '') return text === '';
  if (pattern[0] === '*') return [...Array(text.length + 1).keys()].some((k) => reference(pattern.slice(1), text.slice(k)));
  return text !== '' && (pattern[0] === '?' || pattern[0] === text[0]) && reference(pattern.slice(1), text.slice(1));
}

describe('wildcardMatch', () => {
  it.each([
    ['doe*', 'doe^jane', true], ['*doe*', 'roe^doe', true], ['*doe', 'doe^jane', false], ['d?e*', 'doe', true],
    ['', '', true], ['*', '', true], ['?', '', false], ['a*b*c', 'abc', true], ['a*b*c', 'acb', false],
    ['*a*', 'bbb', false], ['ab*ab', 'ab', false], ['ab*ab', 'abab', true], ['**', 'x', true], ['a?c', 'abc', true],
  ])('when the pattern is %j and the value %j, then it matches: %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
    expect(reference(pattern, text)).toBe(expected);
  });

  it('when random short patterns meet random short values, then it agrees with brute force every time', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const from = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const pattern = from('ab*?', Math.floor(random() * 7));
      const text = from('ab', Math.floor(random() * 9));
      expect(wildcardMatch(pattern, text), `${pattern} vs ${text}`).toBe(reference(pattern, text));
    }
  });

  it.each([
    ['nine stars, no match (the reported freeze)', `*${'a*'.repeat(9)}b`, 'a'.repeat(64)],
    ['sixteen stars', `*${'a*'.repeat(16)}b`, 'a'.repeat(256)],
    ['stars and question marks', `*${'?a*'.repeat(12)}?b`, 'a'.repeat(256)],
    ['a long middle piece', `*${'a'.repeat(60)}b*`, 'a'.repeat(256)],
  ])('when an adversarial pattern (%s) meets a long value, then the work stays within (n+1) x (m+1) comparisons', (_name, pattern, text) => {
    const counter: StepCounter = { steps: 0 };
    expect(wildcardMatch(pattern, text, counter)).toBe(false);
    expect(counter.steps).toBeLessThanOrEqual((text.length + 1) * (pattern.length + 1));
  });
});
