import { containerFromPluginKey } from '../../../src/cli/azure-container.js';

describe('containerFromPluginKey', () => {
  it('takes a valid first segment as the container and the rest as the key', () => {
    expect(containerFromPluginKey('gradle-cache/pipe/main-abc', 'Shop')).toEqual({
      container: 'gradle-cache',
      key: 'pipe/main-abc',
      from: 'cache_key',
    });
  });

  it('falls back to the lower-cased repository name, keeping the whole key', () => {
    for (const key of ['main-abc', 'Not_A_Container/main', 'ab/main', '/main', 'gradle-cache/']) {
      expect(containerFromPluginKey(key, 'Shop-API')).toEqual({
        container: 'shop-api',
        key,
        from: 'repository',
      });
    }
  });

  it('gives up when neither names a valid container', () => {
    expect(containerFromPluginKey('main-abc', 'my_repo.js')).toBeUndefined();
    expect(containerFromPluginKey('a--b/main', 'x')).toBeUndefined();
  });
});
