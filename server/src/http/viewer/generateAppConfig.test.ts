import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DATA_SOURCE_NAME, generateAppConfig } from './generateAppConfig.js';

type DataSource = { namespace: string; sourceName: string; configuration: Record<string, unknown> };
type WindowConfig = {
  extensions: string[];
  modes: string[];
  defaultDataSourceName: string;
  routerBasename: string;
  dataSources: DataSource[];
};

/** Runs the generated script as a browser would and returns what it assigned to `window.config`. */
function evaluate(script: string): WindowConfig {
  const window: { config?: WindowConfig } = {};
  runInNewContext(script, { window });
  if (window.config === undefined) throw new Error('the script did not set window.config');
  return window.config;
}

describe('generateAppConfig', () => {
  it('when given our roots, then the only data source is DICOMweb on this origin with the Orthanc-proven settings', () => {
    const config = evaluate(generateAppConfig({ dicomWebRoot: '/dicom-web', wadoUriRoot: '/wado' }));
    expect(config.defaultDataSourceName).toBe(DATA_SOURCE_NAME);
    expect(config.routerBasename).toBe('/');
    expect(config.dataSources).toHaveLength(1);
    const [source] = config.dataSources;
    expect(source.namespace).toBe('@ohif/extension-default.dataSourcesModule.dicomweb');
    expect(source.sourceName).toBe(DATA_SOURCE_NAME);
    expect(source.configuration).toMatchObject({
      qidoRoot: '/dicom-web',
      wadoRoot: '/dicom-web',
      wadoUriRoot: '/wado',
      imageRendering: 'wadors',
      thumbnailRendering: 'wadors',
      qidoSupportsIncludeField: false,
      supportsFuzzyMatching: false,
      supportsWildcard: true,
      enableStudyLazyLoad: true,
      bulkDataURI: { enabled: true },
      omitQuotationForMultipartRequest: true,
    });
  });

  it('when no plugins are given, then extensions and modes are empty lists', () => {
    const config = evaluate(generateAppConfig({ dicomWebRoot: '/dicom-web', wadoUriRoot: '/wado' }));
    expect(config.extensions).toEqual([]);
    expect(config.modes).toEqual([]);
  });

  it('when plugin URLs are given, then they are listed in order', () => {
    const config = evaluate(
      generateAppConfig({
        dicomWebRoot: '/dicom-web/',
        wadoUriRoot: '/wado',
        extensionUrls: ['/plugins/extension.mjs', '/plugins/other.mjs'],
        modeUrls: ['/plugins/mode.mjs'],
      }),
    );
    expect(config.extensions).toEqual(['/plugins/extension.mjs', '/plugins/other.mjs']);
    expect(config.modes).toEqual(['/plugins/mode.mjs']);
    expect(config.dataSources[0].configuration.qidoRoot).toBe('/dicom-web');
  });

  it('when called twice with the same input, then the text is identical', () => {
    const input = { dicomWebRoot: '/dicom-web', wadoUriRoot: '/wado', modeUrls: ['/plugins/mode.mjs'] };
    expect(generateAppConfig(input)).toBe(generateAppConfig(input));
  });

  it.each([
    ['https://evil.example/ext.mjs'],
    ['//evil.example/ext.mjs'],
    ['/\\evil.example/ext.mjs'],
    ['plugins/ext.mjs'],
    ['/plugins/ext.mjs\n'],
    [''],
  ])('when a plugin URL is %j, then it throws instead of letting OHIF import foreign code', (url) => {
    expect(() => generateAppConfig({ dicomWebRoot: '/dicom-web', wadoUriRoot: '/wado', extensionUrls: [url] })).toThrow(
      /extensionUrls\[0\] must be a path on this origin/,
    );
  });

  it('when a root is not a path on this origin, then it throws naming the setting', () => {
    expect(() => generateAppConfig({ dicomWebRoot: 'http://pacs:8042/dicom-web', wadoUriRoot: '/wado' })).toThrow(
      /dicomWebRoot/,
    );
  });
});
