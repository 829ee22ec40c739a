import { Readable } from 'node:stream';

import { readTarEntries, type TarEntry } from '../../../src/archive/tar-entries.js';
import { UnsafeArchiveError } from '../../../src/errors.js';
import {
  charDevice,
  dir,
  END,
  entry,
  fifo,
  file,
  gnuLong,
  hardlink,
  header,
  pax,
  paxRecords,
  symlink,
  tarball,
} from '../../helpers/tar-writer.js';

function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function list(buf: Buffer, chunkSize = 1 << 16): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of readTarEntries(Readable.from(chunked(buf, chunkSize)))) out.push(e);
  return out;
}

const brief = (es: TarEntry[]) => es.map((e) => [e.name, e.type, e.linkName, e.size]);

describe('readTarEntries', () => {
  const basic = tarball(
    dir('a/'),
    file('a/f.txt', 'hello'),
    symlink('a/l', '/etc'),
    hardlink('a/h', 'a/f.txt'),
    fifo('a/p'),
    file('b', 'x'.repeat(1500)),
  );

  test('reads ustar files, directories, symlinks, hard links and others, skipping data', async () => {
    expect(brief(await list(basic))).toEqual([
      ['a', 'dir', '', 0],
      ['a/f.txt', 'file', '', 5],
      ['a/l', 'symlink', '/etc', 0],
      ['a/h', 'hardlink', 'a/f.txt', 0],
      ['a/p', 'other', '', 0],
      ['b', 'file', '', 1500],
    ]);
  });

  test.each([1, 7, 511, 513, 4096])('gives the same result for %i-byte chunks', async (n) => {
    expect(await list(basic, n)).toEqual(await list(basic));
  });

  test('joins the ustar prefix field, but only with the POSIX magic', async () => {
    const es = await list(
      tarball(
        file('name', 'x', { prefix: 'deep/prefix' }),
        file('gnuname', 'x', { prefix: 'ignored', format: 'gnu' }),
      ),
    );
    expect(es.map((e) => e.name)).toEqual(['deep/prefix/name', 'gnuname']);
  });

  test('GNU long name (L) and long link (K) apply to the next member only', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
    const target = `../${'t'.repeat(200)}`;
    const es = await list(
      tarball(
        gnuLong(long),
        gnuLong(target, 'K'),
        entry({ name: 'trunc', typeflag: '2' }),
        file('next'),
      ),
    );
    expect(brief(es)).toEqual([
      [long, 'symlink', target, 0],
      ['next', 'file', '', 0],
    ]);
  });

  test('pax path, linkpath and size override the header; pax wins over a GNU long name', async () => {
    const long = 'p/'.repeat(100) + 'file';
    const es = await list(
      tarball(
        gnuLong('from-L'),
        pax({ path: long, mtime: '123.5' }),
        file('ustar-name', 'abc'),
        pax({ linkpath: 'x'.repeat(300) }),
        symlink('s', 'short'),
        pax({ size: '700' }),
        entry({ name: 'big', size: 0 }, 'y'.repeat(700)),
        file('after'),
      ),
    );
    expect(brief(es)).toEqual([
      [long, 'file', '', 3],
      ['s', 'symlink', 'x'.repeat(300), 0],
      ['big', 'file', '', 700],
      ['after', 'file', '', 0],
    ]);
  });

  test('ignores a pax global header that sets nothing about names or sizes', async () => {
    const es = await list(tarball(pax({ comment: 'hi', mtime: '1' }, 'g'), file('f', 'z')));
    expect(brief(es)).toEqual([['f', 'file', '', 1]]);
  });

  test('reads GNU base-256 sizes', async () => {
    const es = await list(
      tarball(entry({ name: 'f', base256Size: true }, 'q'.repeat(600)), file('g')),
    );
    expect(brief(es)).toEqual([
      ['f', 'file', '', 600],
      ['g', 'file', '', 0],
    ]);
  });

  test('a "file" whose name ends in a slash is a directory, as GNU tar extracts it', async () => {
    expect(brief(await list(tarball(file('olddir/'))))).toEqual([['olddir', 'dir', '', 0]]);
  });

  test('stops at the first zero block and ignores whatever follows', async () => {
    const buf = Buffer.concat([file('one'), END, file('hidden'), Buffer.from('garbage')]);
    expect((await list(buf)).map((e) => e.name)).toEqual(['one']);
  });

  test('accepts an archive that simply ends at a block boundary', async () => {
    expect((await list(Buffer.concat([file('one', 'x')]))).map((e) => e.name)).toEqual(['one']);
  });

  test('reports devices as other, keeping the typeflag', async () => {
    const [e] = await list(tarball(charDevice('dev/null')));
    expect(e).toMatchObject({ type: 'other', typeflag: '3' });
  });

  describe('refuses what it cannot read the way GNU tar does', () => {
    const refuses = async (buf: Buffer, message: RegExp) => {
      const err = await list(buf).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsafeArchiveError);
      expect((err as Error).message).toMatch(message);
    };

    test('a corrupted header checksum', async () => {
      const h = header({ name: 'f', checksum: 1234 });
      await refuses(tarball(file('ok'), h), /checksum mismatch/);
    });

    test('a flipped byte in an otherwise valid header', async () => {
      const buf = tarball(file('ok'), file('victim', 'data'));
      buf.writeUInt8(buf.readUInt8(512 + 3) ^ 0x01, 512 + 3);
      await refuses(buf, /checksum/);
    });

    test('a non-numeric size field', async () => {
      const h = header({ name: 'f' });
      h.write('12x4', 124, 'latin1');
      // Recompute the checksum so only the size is wrong.
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of h) sum += b;
      h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      await refuses(tarball(h), /size is not a number/);
    });

    test('truncation inside a header or inside data', async () => {
      await refuses(tarball(file('a')).subarray(0, 300), /truncated/);
      await refuses(file('a', 'x'.repeat(2000)).subarray(0, 1024), /truncated/);
    });

    test('a directory, hard link or device that claims data', async () => {
      await refuses(tarball(entry({ name: 'd/', typeflag: '5' }, file('hidden'))), /directory 'd'/);
      await refuses(tarball(entry({ name: 'h', typeflag: '1', linkName: 'x' }, 'zz')), /hard link/);
      await refuses(tarball(entry({ name: 'c', typeflag: '3' }, 'zz')), /character device/);
    });

    test.each([['path'], ['linkpath'], ['size'], ['GNU.sparse.name']])(
      'a pax global header that sets %s',
      async (key) => {
        await refuses(tarball(pax({ [key]: '1' }, 'g'), file('f')), /global header sets/);
      },
    );

    test('GNU sparse keywords in a pax header', async () => {
      await refuses(tarball(pax({ 'GNU.sparse.name': 'evil' }), file('f')), /GNU\.sparse\.name/);
    });

    test('two long names or two pax headers for one member', async () => {
      await refuses(tarball(gnuLong('a'), gnuLong('b'), file('f')), /two GNU long names/);
      await refuses(tarball(pax({ path: 'a' }), pax({ uid: '1' }), file('f')), /two pax headers/);
    });

    test('metadata with no member after it', async () => {
      await refuses(tarball(file('f'), pax({ path: 'dangling' })), /ends after/);
    });

    test('malformed pax records, including ones GNU tar would read as a different keyword', async () => {
      const bad = (body: string) => entry({ name: 'P', typeflag: 'x' }, body);
      await refuses(tarball(bad('99 path=x\n'), file('f')), /malformed pax/);
      await refuses(tarball(bad('12 path=abc'), file('f')), /malformed pax/);
      // Two blanks: GNU tar skips both and reads "path".
      await refuses(tarball(bad('14  path=evil\n'), file('f')), /malformed pax/);
      // A NUL inside the keyword: GNU tar reads "path".
      await refuses(tarball(bad('15 path\0x=evil\n'), file('f')), /malformed pax/);
      await refuses(tarball(pax({ path: '' }), file('f')), /empty or holds a NUL/);
      await refuses(tarball(pax([['size', '1e3']]), file('f')), /bad pax size/);
    });

    test('member types with their own data layout (sparse, multi-volume, vendor)', async () => {
      for (const t of ['S', 'M', 'D', 'V', 'Z']) {
        await refuses(
          tarball(entry({ name: 'f', typeflag: t, format: 'gnu' })),
          /unsupported member type/,
        );
      }
    });

    test('a pax or long-name header larger than the limit', async () => {
      const buf = tarball(pax({ path: 'x'.repeat(5000) }), file('f'));
      const entries = readTarEntries(Readable.from(chunked(buf, 512)), { maxMetaSize: 1024 });
      const err = await entries.next().catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/exceeds 1024/);
    });
  });

  test('paxRecords helper writes self-consistent lengths (sanity check of the test writer)', () => {
    const rec = paxRecords({ path: 'x'.repeat(95) }).toString();
    expect(Number(rec.split(' ')[0])).toBe(Buffer.byteLength(rec));
  });
});
