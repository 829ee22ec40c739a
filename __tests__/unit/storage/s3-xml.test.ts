import { parseXml, readErrorFields, readListPage } from '../../../src/storage/s3-xml.js';

const page = (contents: string, tail = '<IsTruncated>false</IsTruncated>'): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>${tail}${contents}</ListBucketResult>`;

const object = (key: string, extra = ''): string =>
  `<Contents><Key>${key}</Key><LastModified>2026-11-30T11:52:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>42</Size><StorageClass>STANDARD</StorageClass>${extra}</Contents>`;

describe('readListPage', () => {
  test('reads keys, sizes, times and ETags', () => {
    expect(readListPage(page(object('a/b')))).toEqual({
      objects: [
        { key: 'a/b', size: 42, lastModified: new Date('2026-11-30T11:52:00.000Z'), etag: '"abc"' },
      ],
      isTruncated: false,
      nextContinuationToken: undefined,
    });
  });

  test('decodes the XML entities and character references in keys', () => {
    const xml = page(
      object('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#43;&#x25;&#x1F600;'),
    );
    expect(readListPage(xml).objects[0]!.key).toBe('a & b <c> "d" \'e\' +%😀');
  });

  test('keeps spaces, plus signs and percent signs as they are', () => {
    expect(readListPage(page(object(' a+b%20c '))).objects[0]!.key).toBe(' a+b%20c ');
  });

  test('reads CDATA verbatim', () => {
    expect(readListPage(page(object('<![CDATA[x&amp;<y>]]>'))).objects[0]!.key).toBe('x&amp;<y>');
  });

  test('reads pagination', () => {
    const xml = page(
      object('k'),
      '<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxL+/=</NextContinuationToken>',
    );
    expect(readListPage(xml)).toMatchObject({
      isTruncated: true,
      nextContinuationToken: '1ueGcxL+/=',
    });
  });

  test('an empty listing, and one without IsTruncated', () => {
    expect(readListPage(page(''))).toEqual({ objects: [], isTruncated: false });
    expect(readListPage('<ListBucketResult/>').objects).toEqual([]);
  });

  test('whitespace-only text with a newline reads as empty, as the S3 client reads it', () => {
    expect(readListPage(page(object('\n  '))).objects[0]!.key).toBe('');
    expect(readListPage(page(object('  '))).objects[0]!.key).toBe('  ');
  });

  test('ignores comments, processing instructions and attributes', () => {
    const xml = `<!-- hi --><?pi x?><ListBucketResult a="1"><Contents x='y'><Key>k</Key><!-- c --></Contents></ListBucketResult>`;
    expect(readListPage(xml).objects).toEqual([{ key: 'k' }]);
  });

  test.each([
    ['a bare ampersand', page(object('a & b'))],
    ['an unknown entity', page(object('&nbsp;'))],
    ['an invalid character reference', page(object('&#x110000;'))],
    ['a mismatched close tag', '<ListBucketResult><Contents></Key></ListBucketResult>'],
    ['an unclosed element', '<ListBucketResult><Contents>'],
    ['a DTD (no entity expansion)', '<!DOCTYPE x [<!ENTITY a "b">]><ListBucketResult/>'],
    ['text outside the root', 'junk<ListBucketResult/>'],
    ['two roots', '<ListBucketResult/><ListBucketResult/>'],
    ['another document', '<Error><Code>NoSuchBucket</Code></Error>'],
    ['a Contents without Key', page('<Contents><Size>1</Size></Contents>')],
    ['a size that is not a number', page(object('k').replace('42', '4x'))],
    ['a date that is not one', page(object('k').replace('2026-11-30T11:52:00.000Z', 'soon'))],
    ['IsTruncated neither true nor false', page('', '<IsTruncated>yes</IsTruncated>')],
    ['an unterminated comment', '<ListBucketResult><!-- </ListBucketResult>'],
    ['nothing', ''],
  ])('refuses %s', (_what, xml) => {
    expect(() => readListPage(xml)).toThrow(/malformed XML/);
  });
});

describe('readErrorFields', () => {
  test('reads the fields of an S3 error document', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>Use &quot;that&quot; endpoint</Message><Region>eu-west-1</Region><RequestId>r1</RequestId></Error>';
    expect(readErrorFields(xml)).toEqual({
      Code: 'PermanentRedirect',
      Message: 'Use "that" endpoint',
      Region: 'eu-west-1',
      RequestId: 'r1',
    });
  });

  test('no body, or one that is not XML, has no fields', () => {
    expect(readErrorFields('')).toEqual({});
    expect(readErrorFields('<html><body>Bad Gateway')).toEqual({});
  });
});

test('parseXml keeps element order and nesting', () => {
  const root = parseXml('<a><b>1</b><c><d>2</d></c><b>3</b></a>');
  expect(root.children.map((c) => c.name)).toEqual(['b', 'c', 'b']);
  expect(root.children[1]!.children[0]!.text).toBe('2');
});
