import umdSource from '@ohif/core/dist/ohif-core.umd.js?raw';

/**
 * The real @ohif/core 3.13 (the version the server's viewer runs), loaded for the extension's unit tests as an oracle
 * of OHIF's service API. Its npm package is a UMD bundle without types that `require`s @cornerstonejs/core,
 * @cornerstonejs/metadata, dcmjs and gl-matrix; those are peers we do not install (the services we check do not use
 * them), so each is a stub that records every property read. `externalReads` lists them: at load the bundle reads
 * only a few cornerstone utilities, and a test can assert that the services it exercised read nothing more.
 */
export type OhifCore = {
  module: Record<string, unknown> & { [name: string]: any };
  externalReads: Set<string>;
};

export function loadOhifCore(): OhifCore {
  const externalReads = new Set<string>();
  const stub = (path: string): unknown =>
    new Proxy(function external() {}, {
      get(_target, key) {
        if (typeof key !== 'string') return undefined;
        externalReads.add(`${path}.${key}`);
        return stub(`${path}.${key}`);
      },
      apply: () => stub(`${path}()`),
      construct: () => stub(`new ${path}`) as object,
    });
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the published UMD bundle is the point
  new Function('exports', 'module', 'require', umdSource)(module.exports, module, (id: string) => stub(id));
  return { module: module.exports as OhifCore['module'], externalReads };
}
