import { Layout } from '../../../src/cache/layout.js';

const v = 'f'.repeat(64);

describe('Layout', () => {
  const layout = new Layout('ci/cache', 'octo-org', 'app');
  const main = { kind: 'ref', ref: 'refs/heads/main' } as const;

  test('puts manifests and archives in sibling folders under prefix/owner/repo/scope/version', () => {
    expect(layout.manifestName(main, v, 'npm-abc')).toBe(
      `ci/cache/octo-org/app/ref-refs%2Fheads%2Fmain/${v}/keys/npm-abc`,
    );
    expect(layout.archiveName(main, v, 'id1', '.tar.zst')).toBe(
      `ci/cache/octo-org/app/ref-refs%2Fheads%2Fmain/${v}/archives/id1.tar.zst`,
    );
    expect(layout.archiveFolder(layout.manifestName(main, v, 'k'))).toBe(
      `ci/cache/octo-org/app/ref-refs%2Fheads%2Fmain/${v}/archives/`,
    );
  });

  test('no key can leave its keys/ folder', () => {
    for (const key of ['../../../other/repo', '/etc/passwd', '..', 'a/../../b']) {
      const name = layout.manifestName(main, v, key);
      const tail = name.slice(`ci/cache/octo-org/app/ref-refs%2Fheads%2Fmain/${v}/keys/`.length);
      expect(tail).not.toContain('/');
      expect(name.split('/')).not.toContain('..');
    }
  });

  test('repository scope and an empty prefix', () => {
    const l = new Layout('', 'o', 'r');
    expect(l.manifestName({ kind: 'repository' }, v, 'k')).toBe(`o/r/repository/${v}/keys/k`);
    expect(l.repositoryRoot()).toBe('o/r/');
  });

  test('owner and repo names are encoded too', () => {
    const l = new Layout('', 'group/sub', '..');
    expect(l.repositoryRoot()).toBe('group%2Fsub/%2E./');
  });

  test('refuses keys whose encoded name exceeds 1024 bytes', () => {
    expect(() => layout.manifestName(main, v, 'é'.repeat(200))).toThrow(/1024/);
    expect(() => layout.manifestName(main, v, 'a'.repeat(512))).not.toThrow();
  });
});
