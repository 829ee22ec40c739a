// The two XML documents the S3 lookups read without the SDK: a ListObjectsV2 page and an error
// body. A small strict reader: elements, text, CDATA and the XML entities; no DTDs (so no entity
// expansion), and anything malformed throws rather than yielding a partial listing.

export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The element's own text (entities decoded), '' when it has element children only. */
  text: string;
}

export interface ListedObject {
  key: string;
  size?: number;
  lastModified?: Date;
  etag?: string;
}

export interface ListPage {
  objects: ListedObject[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parse a whole document into its root element. Throws on anything not well formed. */
export function parseXml(xml: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`malformed XML from the store: ${what} at offset ${at}`);
  };
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const text = xml.slice(at, lt < 0 ? xml.length : lt);
    if (text) {
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(text, fail);
      else if (text.trim()) fail('text outside the root element');
    }
    if (lt < 0) break;
    at = lt;
    if (xml.startsWith('<?', at)) {
      at = endOf(xml, '?>', at, fail);
    } else if (xml.startsWith('<!--', at)) {
      at = endOf(xml, '-->', at, fail);
    } else if (xml.startsWith('<![CDATA[', at)) {
      const end = endOf(xml, ']]>', at, fail);
      const top = stack[stack.length - 1] ?? fail('CDATA outside the root element');
      top.text += xml.slice(at + 9, end - 3);
      at = end;
    } else if (xml.startsWith('<!', at)) {
      fail('a DTD or declaration');
    } else if (xml.startsWith('</', at)) {
      const end = endOf(xml, '>', at, fail);
      const name = xml.slice(at + 2, end - 1).trim();
      const open = stack.pop();
      if (!open || open.name !== name)
        fail(`</${name}> closes ${open ? `<${open.name}>` : 'nothing'}`);
      at = end;
    } else {
      const end = endOf(xml, '>', at, fail);
      const inner = xml.slice(at + 1, end - 1);
      const selfClosing = inner.endsWith('/');
      const name = /^[^\s/>]+/.exec(inner)?.[0] ?? fail('an element without a name');
      const element: XmlElement = { name, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('a second root element');
      else root = element;
      if (!selfClosing) stack.push(element);
      at = end;
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1]!.name}> is not closed`);
  return root ?? fail('no root element');
}

/** A ListObjectsV2 answer (ListBucketResult), read as the S3 client reads it. */
export function readListPage(xml: string): ListPage {
  const root = parseXml(xml);
  if (localName(root.name) !== 'ListBucketResult') {
    throw new Error(`malformed XML from the store: a listing answered with <${root.name}>`);
  }
  const objects: ListedObject[] = [];
  let isTruncated = false;
  let nextContinuationToken: string | undefined;
  for (const child of root.children) {
    const name = localName(child.name);
    if (name === 'IsTruncated') isTruncated = readBoolean(leafText(child));
    else if (name === 'NextContinuationToken') nextContinuationToken = leafText(child);
    else if (name === 'Contents') objects.push(readObject(child));
  }
  return { objects, isTruncated, nextContinuationToken };
}

/** The fields of an S3 error body (<Error><Code>…), or {} when there is no readable body. */
export function readErrorFields(xml: string): Record<string, string> {
  if (!xml.trim()) return {};
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch {
    return {};
  }
  const fields: Record<string, string> = {};
  for (const child of root.children) fields[localName(child.name)] = leafText(child);
  return fields;
}

function readObject(el: XmlElement): ListedObject {
  const out: Partial<ListedObject> = {};
  for (const child of el.children) {
    const text = leafText(child);
    switch (localName(child.name)) {
      case 'Key':
        out.key = text;
        break;
      case 'Size':
        if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
          throw new Error(`malformed XML from the store: Size ${JSON.stringify(text)}`);
        }
        out.size = Number(text);
        break;
      case 'LastModified': {
        const date = new Date(text);
        if (Number.isNaN(date.getTime())) {
          throw new Error(`malformed XML from the store: LastModified ${JSON.stringify(text)}`);
        }
        out.lastModified = date;
        break;
      }
      case 'ETag':
        out.etag = text;
        break;
    }
  }
  if (out.key === undefined) throw new Error('malformed XML from the store: Contents without Key');
  return out as ListedObject;
}

/** Text as the S3 client's parser keeps it: verbatim, except whitespace with a newline is ''. */
function leafText(el: XmlElement): string {
  return el.text.trim() === '' && el.text.includes('\n') ? '' : el.text;
}

function readBoolean(text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`malformed XML from the store: boolean ${JSON.stringify(text)}`);
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function endOf(xml: string, marker: string, from: number, fail: (what: string) => never): number {
  const i = xml.indexOf(marker, from + 1);
  return i < 0 ? fail(`unterminated ${xml.slice(from, from + 9)}`) : i + marker.length;
}

function decodeEntities(text: string, fail: (what: string) => never): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) return fail(`a bare & in ${JSON.stringify(text.slice(0, 40))}`);
    if (name in ENTITIES) return ENTITIES[name]!;
    const code = /^#x([0-9a-f]+)$/i.exec(name)
      ? parseInt(name.slice(2), 16)
      : /^#(\d+)$/.exec(name)
        ? parseInt(name.slice(1), 10)
        : NaN;
    if (!(code >= 0 && code <= 0x10ffff)) return fail(`the entity &${name};`);
    return String.fromCodePoint(code);
  });
}
