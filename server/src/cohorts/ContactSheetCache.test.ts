import { describe, expect, it } from 'vitest';
import { ContactSheetCache } from './ContactSheetCache.js';

describe('ContactSheetCache', () => {
  it('when the same sheet is asked again, or twice at once, then it is rendered once; a new version renders again', async () => {
    const cache = new ContactSheetCache();
    let renders = 0;
    const render = async () => Buffer.from(`png ${++renders}`);
    const [a, b] = await Promise.all([cache.get('c1', 'v1', render), cache.get('c1', 'v1', render)]);
    expect(await cache.get('c1', 'v1', render)).toEqual(a);
    expect(b).toEqual(a);
    expect(renders).toBe(1);
    expect((await cache.get('c1', 'v2', render)).toString()).toBe('png 2');
  });

  it('when more sheets than it keeps are asked for, then the least recent is rendered again; a failed rendering is not kept', async () => {
    const cache = new ContactSheetCache(2);
    let renders = 0;
    const render = async () => Buffer.from(String(++renders));
    await cache.get('a', 'v', render);
    await cache.get('b', 'v', render);
    await cache.get('a', 'v', render); // a is now the most recent
    await cache.get('c', 'v', render); // b goes
    expect(renders).toBe(3);
    await cache.get('a', 'v', render);
    expect(renders).toBe(3);
    await cache.get('b', 'v', render);
    expect(renders).toBe(4);
    await expect(cache.get('d', 'v', () => Promise.reject(new Error('sharp failed')))).rejects.toThrow('sharp failed');
    expect((await cache.get('d', 'v', render)).toString()).toBe('5');
  });
});
