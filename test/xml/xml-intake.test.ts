/**
 * Hardened intake (gateway/xml/xml-intake.ts): every rule has an accepting case and a refusing case with its
 * exact error code, so a rule that stops refusing and a rule that starts refusing too much both fail here.
 */
import assert from 'node:assert/strict';
import type { ErrorCode } from '../../gateway/errors/error-catalogue.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import {
  decodeXml,
  defaultIntakeLimits,
  intakeXml,
  parseXml,
  scanXml,
  type IntakeLimits,
} from '../../gateway/xml/xml-intake.js';

/** Asserts that `action` throws a VkhidError with this code and returns it for further checks. */
function refuses(action: () => unknown, code: ErrorCode): VkhidError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof VkhidError, `expected a VkhidError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

const limits = (overrides: Partial<IntakeLimits>): IntakeLimits => ({ ...defaultIntakeLimits, ...overrides });
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** `text` encoded as windows-1251 (the reverse of the WHATWG decoder's table; ASCII passes through). */
function windows1251(text: string): Buffer {
  const decoder = new TextDecoder('windows-1251');
  const table = new Map<string, number>();
  for (let byte = 0x80; byte <= 0xff; byte++) table.set(decoder.decode(Uint8Array.of(byte)), byte);
  return Buffer.from(
    [...text].map((char) => {
      const code = char.charCodeAt(0);
      if (code < 0x80) return code;
      const byte = table.get(char);
      assert.ok(byte !== undefined, `${char} has no windows-1251 byte`);
      return byte;
    }),
  );
}

/** `depth` nested elements: `<e><e>...</e></e>`. */
const nested = (depth: number): string => `${'<e>'.repeat(depth)}${'</e>'.repeat(depth)}`;
/** An element with `count` attributes. */
const withAttributes = (count: number): string =>
  `<a ${Array.from({ length: count }, (_, index) => `a${index}="${index}"`).join(' ')}/>`;

const CYRILLIC = '<?xml version="1.0"?><Заява мова="uk">Привіт, світе! Ґанок, їжак, є.</Заява>';

describe('hardened XML intake', () => {
  describe('size', () => {
    const document = (size: number): string => `<a>${'x'.repeat(size - 7)}</a>`;

    it('accepts a document of exactly the byte limit', () => {
      const text = document(64);
      assert.equal(utf8(text).length, 64);
      assert.equal(intakeXml(utf8(text), limits({ maxBytes: 64 })).text, text);
    });

    it('refuses a document one byte over the limit with INTAKE_TOO_LARGE naming both sizes', () => {
      const error = refuses(
        () => intakeXml(utf8(document(65)), limits({ maxBytes: 64 })),
        'INTAKE_TOO_LARGE',
      );
      assert.match(error.message, /\b65\b/);
      assert.match(error.message, /\b64\b/);
      assert.equal(error.status, 413);
    });

    it('counts bytes, not characters (Cyrillic is two bytes a letter in UTF-8)', () => {
      const text = '<a>жжжж</a>'; // 7 ASCII bytes + 8 bytes of Cyrillic
      assert.equal(intakeXml(utf8(text), limits({ maxBytes: 15 })).text, text);
      refuses(() => intakeXml(utf8(text), limits({ maxBytes: 14 })), 'INTAKE_TOO_LARGE');
    });

    it('refuses one byte over the default limit of 20 MB', () => {
      const bytes = Buffer.alloc(20 * 1024 * 1024 + 1, 0x20);
      bytes.write('<a>', 0, 'latin1');
      refuses(() => intakeXml(bytes), 'INTAKE_TOO_LARGE');
    });

    it('refuses an empty document with INTAKE_EMPTY, and accepts the smallest document', () => {
      refuses(() => intakeXml(new Uint8Array(0)), 'INTAKE_EMPTY');
      assert.equal(intakeXml(utf8('<a/>')).text, '<a/>');
    });
  });

  describe('UTF-8', () => {
    it('accepts valid Cyrillic and decodes it exactly', () => {
      const result = intakeXml(utf8(CYRILLIC));
      assert.equal(result.text, CYRILLIC);
      assert.equal(result.encoding, 'utf-8');
      assert.equal(result.scan.elements, 1);
    });

    it('accepts an explicit encoding="UTF-8" declaration (any case)', () => {
      const text = CYRILLIC.replace('version="1.0"', 'version="1.0" encoding="UTF-8"');
      const result = decodeXml(utf8(text));
      assert.equal(result.text, text);
      assert.equal(result.encoding, 'utf-8');
    });

    const invalid: readonly (readonly [string, readonly number[], number])[] = [
      ['an overlong encoding of "/" (C0 AF)', [0xc0, 0xaf], 3],
      ['a lone continuation byte (80)', [0x80], 3],
      ['a truncated two-byte sequence (D0 followed by ASCII)', [0xd0], 3],
      ['a UTF-16 surrogate encoded in UTF-8 (ED A0 80)', [0xed, 0xa0, 0x80], 3],
      ['an overlong three-byte encoding (E0 80 AF)', [0xe0, 0x80, 0xaf], 3],
    ];
    for (const [name, sequence, offset] of invalid) {
      it(`refuses ${name} with INTAKE_BAD_ENCODING naming the offset`, () => {
        const bytes = Buffer.concat([utf8('<a>'), Buffer.from(sequence), utf8('</a>')]);
        const error = refuses(() => intakeXml(bytes), 'INTAKE_BAD_ENCODING');
        assert.match(error.message, /UTF-8/);
        assert.match(error.message, new RegExp(`offset ${offset}\\b`));
      });
    }

    it('refuses a sequence truncated by the end of the document, naming its offset', () => {
      const bytes = Buffer.concat([utf8('<a></a>'), Buffer.from([0xe2, 0x82])]);
      const error = refuses(() => intakeXml(bytes), 'INTAKE_BAD_ENCODING');
      assert.match(error.message, /offset 7\b/);
    });

    it('names the offset of the first invalid byte after valid multi-byte text', () => {
      const prefix = utf8(`<a>${'ж'.repeat(1000)}`); // 3 + 2000 bytes
      const error = refuses(
        () => intakeXml(Buffer.concat([prefix, Buffer.from([0xff]), utf8('</a>')])),
        'INTAKE_BAD_ENCODING',
      );
      assert.match(error.message, /offset 2003\b/);
    });

    it('never substitutes U+FFFD: valid text that contains U+FFFD itself is kept, invalid bytes are refused', () => {
      assert.equal(intakeXml(utf8('<a>\uFFFD</a>')).text, '<a>\uFFFD</a>');
      refuses(
        () => intakeXml(Buffer.from([0x3c, 0x61, 0x3e, 0xfe, 0x3c, 0x2f, 0x61, 0x3e])),
        'INTAKE_BAD_ENCODING',
      );
    });

    it('removes a UTF-8 BOM, so the declaration that follows it is still the XML declaration', () => {
      const text = '<?xml version="1.0" encoding="UTF-8"?><a>ї</a>';
      const result = intakeXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(text)]));
      assert.equal(result.text, text);
      assert.ok(!result.text.startsWith('\uFEFF'));
      assert.equal(result.encoding, 'utf-8');
      assert.equal(result.scan.processingInstructions, 0);
    });

    it('still checks the bytes after a UTF-8 BOM', () => {
      const bytes = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        utf8('<a>'),
        Buffer.from([0xc0, 0xaf]),
        utf8('</a>'),
      ]);
      refuses(() => intakeXml(bytes), 'INTAKE_BAD_ENCODING');
    });
  });

  describe('UTF-16 and declared encodings', () => {
    const text = '<?xml version="1.0" encoding="UTF-16"?><a b="ґ">Привіт</a>';

    it('decodes UTF-16LE with a BOM', () => {
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      const result = intakeXml(bytes);
      assert.equal(result.text, text);
      assert.equal(result.encoding, 'utf-16le');
      assert.equal(result.scan.elements, 1);
      assert.equal(result.scan.processingInstructions, 0);
    });

    it('decodes UTF-16BE with a BOM', () => {
      const body = Buffer.from(text, 'utf16le').swap16();
      const result = intakeXml(Buffer.concat([Buffer.from([0xfe, 0xff]), body]));
      assert.equal(result.text, text);
      assert.equal(result.encoding, 'utf-16be');
    });

    it('refuses UTF-16 with an unpaired surrogate', () => {
      const body = Buffer.concat([
        Buffer.from('<a>', 'utf16le'),
        Buffer.from([0x00, 0xd8]),
        Buffer.from('</a>', 'utf16le'),
      ]);
      refuses(() => intakeXml(Buffer.concat([Buffer.from([0xff, 0xfe]), body])), 'INTAKE_BAD_ENCODING');
    });

    it('decodes Cyrillic from a document declared encoding="windows-1251"', () => {
      const declared =
        '<?xml version="1.0" encoding="windows-1251"?><Заява>Прошу вжити заходів, ґанок і їжак</Заява>';
      const bytes = windows1251(declared);
      assert.equal(bytes.length, declared.length, 'one byte per character');
      const result = intakeXml(bytes);
      assert.equal(result.text, declared);
      assert.equal(result.encoding, 'windows-1251');
    });

    it('refuses the windows-1251 byte 0x98, which the code page leaves undefined, with INTAKE_BAD_ENCODING', () => {
      const bytes = Buffer.concat([
        windows1251('<?xml version="1.0" encoding="windows-1251"?><a>'),
        Buffer.from([0x98]),
        utf8('</a>'),
      ]);
      refuses(() => intakeXml(bytes), 'INTAKE_BAD_ENCODING');
    });

    it('refuses an unknown declared encoding with INTAKE_UNSUPPORTED_ENCODING naming it', () => {
      const error = refuses(
        () => intakeXml(utf8('<?xml version="1.0" encoding="x-klingon"?><a/>')),
        'INTAKE_UNSUPPORTED_ENCODING',
      );
      assert.match(error.message, /x-klingon/);
      assert.equal(error.status, 415);
    });

    it('reads the declaration in single quotes', () => {
      const declared = "<?xml version='1.0' encoding='windows-1251'?><a>Привіт</a>";
      const result = intakeXml(windows1251(declared));
      assert.equal(result.text, declared);
      assert.equal(result.encoding, 'windows-1251');
    });

    it('reads the cp1251 alias as windows-1251', () => {
      const declared = '<?xml version="1.0" encoding="cp1251"?><a>Привіт</a>';
      assert.equal(intakeXml(windows1251(declared)).text, declared);
    });
  });

  describe('scanXml: DTDs', () => {
    const forbidden: readonly (readonly [string, string])[] = [
      ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
      ['a DOCTYPE with an external subset', '<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'],
      ['a bare <!ENTITY', '<!ENTITY lol "lol"><a/>'],
      ['an <!ELEMENT inside the root', '<a><!ELEMENT a ANY></a>'],
      ['a DOCTYPE after a comment', '<?xml version="1.0"?>\n<!-- exported -->\n<!DOCTYPE a><a/>'],
      ['a lower-case doctype', '<!doctype a><a/>'],
    ];
    for (const [name, text] of forbidden) {
      it(`refuses ${name} with INTAKE_DTD_FORBIDDEN`, () => {
        refuses(() => scanXml(text), 'INTAKE_DTD_FORBIDDEN');
        refuses(() => intakeXml(utf8(text)), 'INTAKE_DTD_FORBIDDEN');
      });
    }

    it('accepts "<!DOCTYPE" written inside a comment or CDATA, which is not a declaration', () => {
      const scan = scanXml('<!-- <!DOCTYPE a> --><a><![CDATA[<!ENTITY x "y">]]></a>');
      assert.equal(scan.elements, 1);
    });
  });

  describe('scanXml: counting', () => {
    it('does not count "<" inside CDATA and comments as elements', () => {
      const text = '<a><![CDATA[<b><c><d>]]><!-- <e><f> --></a>';
      const scan = scanXml(text, limits({ maxElements: 1, maxDepth: 1 }));
      assert.equal(scan.elements, 1);
      assert.equal(scan.maxDepth, 1);
      // The same markup outside CDATA and comments is counted, and refused under the same limits.
      refuses(() => scanXml('<a><b/></a>', limits({ maxElements: 1 })), 'INTAKE_TOO_MANY_ELEMENTS');
    });

    it('is not confused by ">" and "=" inside quoted attribute values', () => {
      const text = `<a x="p>q" y='a=b=c' z="=>"><b c="</a>"/></a>`;
      const scan = scanXml(text, limits({ maxAttributesPerElement: 3, maxDepth: 1 }));
      assert.equal(scan.elements, 2);
      assert.equal(scan.maxDepth, 1);
      refuses(
        () => scanXml('<a x="1" y="2" z="3" w="4"/>', limits({ maxAttributesPerElement: 3 })),
        'INTAKE_TOO_MANY_ATTRIBUTES',
      );
    });

    it('does not add depth for self-closing elements', () => {
      const scan = scanXml('<a><b/><c /><d x="/"/><e\n/></a>', limits({ maxDepth: 1 }));
      assert.equal(scan.maxDepth, 1);
      assert.equal(scan.elements, 5);
      refuses(() => scanXml('<a><b></b></a>', limits({ maxDepth: 1 })), 'INTAKE_TOO_DEEP');
    });

    it('accepts nesting exactly at the default depth limit (32)', () => {
      assert.equal(defaultIntakeLimits.maxDepth, 32);
      assert.equal(scanXml(nested(32)).maxDepth, 32);
    });

    it('refuses one level deeper than the limit with INTAKE_TOO_DEEP', () => {
      const error = refuses(() => scanXml(nested(33)), 'INTAKE_TOO_DEEP');
      assert.match(error.message, /\b32\b/);
      assert.equal(scanXml(nested(5), limits({ maxDepth: 5 })).maxDepth, 5);
      refuses(() => intakeXml(utf8(nested(6)), limits({ maxDepth: 5 })), 'INTAKE_TOO_DEEP');
    });

    it('does not count closed siblings as depth', () => {
      const siblings = `<r>${nested(31).repeat(3)}</r>`;
      assert.equal(scanXml(siblings).maxDepth, 32);
    });

    it('accepts exactly the element limit and refuses one more with INTAKE_TOO_MANY_ELEMENTS', () => {
      assert.equal(defaultIntakeLimits.maxElements, 20_000);
      const atLimit = `<r>${'<e/>'.repeat(19_999)}</r>`;
      assert.equal(scanXml(atLimit).elements, 20_000);
      const error = refuses(() => scanXml(`<r>${'<e/>'.repeat(20_000)}</r>`), 'INTAKE_TOO_MANY_ELEMENTS');
      assert.match(error.message, /20000/);
      assert.equal(scanXml('<a><b/><c/></a>', limits({ maxElements: 3 })).elements, 3);
      refuses(() => scanXml('<a><b/><c/><d/></a>', limits({ maxElements: 3 })), 'INTAKE_TOO_MANY_ELEMENTS');
    });

    it('accepts exactly the attribute limit and refuses one more with INTAKE_TOO_MANY_ATTRIBUTES', () => {
      assert.equal(defaultIntakeLimits.maxAttributesPerElement, 32);
      assert.equal(scanXml(withAttributes(32)).elements, 1);
      const error = refuses(() => scanXml(withAttributes(33)), 'INTAKE_TOO_MANY_ATTRIBUTES');
      assert.match(error.message, /\b32\b/);
    });

    it('counts namespace declarations as attributes', () => {
      const declarations = (count: number): string =>
        `<a ${Array.from({ length: count }, (_, index) => `xmlns:p${index}="urn:p${index}"`).join(' ')}/>`;
      scanXml(declarations(2), limits({ maxAttributesPerElement: 2 }));
      refuses(
        () => scanXml(declarations(3), limits({ maxAttributesPerElement: 2 })),
        'INTAKE_TOO_MANY_ATTRIBUTES',
      );
    });

    it('applies the attribute limit to every element, not just the root', () => {
      refuses(() => scanXml(`<r><e/>${withAttributes(33)}</r>`), 'INTAKE_TOO_MANY_ATTRIBUTES');
    });
  });

  describe('scanXml: processing instructions and comments', () => {
    it('does not count the XML declaration as a processing instruction', () => {
      assert.equal(scanXml('<?xml version="1.0" encoding="UTF-8"?>\n<a/>').processingInstructions, 0);
      assert.equal(scanXml('<?xml version="1.0"?><a/>').processingInstructions, 0);
    });

    it('counts a processing instruction before the root', () => {
      assert.equal(scanXml('<?xml version="1.0"?><?pi?><a/>').processingInstructions, 1);
      assert.equal(scanXml('<?xml-stylesheet type="text/xsl" href="x.xsl"?><a/>').processingInstructions, 1);
    });

    it('counts a processing instruction inside the root', () => {
      assert.equal(scanXml('<a><b><?pi data?></b></a>').processingInstructions, 1);
    });

    it('counts a processing instruction after the root', () => {
      assert.equal(scanXml('<a></a>\n<?pi?>').processingInstructions, 1);
    });

    it('counts all of them, and a second "<?xml" that is not at the start', () => {
      assert.equal(scanXml('<?xml version="1.0"?><?a?><r><?b?></r><?c?>').processingInstructions, 3);
      assert.equal(scanXml('<r/><?xml version="1.0"?>').processingInstructions, 1);
    });

    it('sets commentInsideRoot for a comment inside the root', () => {
      assert.equal(scanXml('<a><b>1<!-- note -->2</b></a>').commentInsideRoot, true);
      assert.equal(scanXml('<a><!----></a>').commentInsideRoot, true);
    });

    it('does not set commentInsideRoot for comments before and after the root', () => {
      const scan = scanXml('<?xml version="1.0"?><!-- before --><a><b/></a><!-- after -->');
      assert.equal(scan.commentInsideRoot, false);
      assert.equal(scan.processingInstructions, 0);
      assert.equal(scanXml('<!-- <a> --><a/>').commentInsideRoot, false);
    });
  });

  describe('parseXml', () => {
    it('accepts a well-formed document with namespaces, entities and CDATA', () => {
      const document = parseXml(
        '<?xml version="1.0"?><e:Envelope xmlns:e="urn:vkhid:envelope:1" Id="m1"><e:Body a="1" e:b="2">' +
          'x &amp; y &lt; z &#x0457;<![CDATA[<raw>]]></e:Body></e:Envelope>',
      );
      const root = document.documentElement;
      assert.equal(root.localName, 'Envelope');
      assert.equal(root.namespaceURI, 'urn:vkhid:envelope:1');
      assert.equal(root.getAttribute('Id'), 'm1');
      assert.equal(root.textContent, 'x & y < z ї<raw>');
    });

    const malformed: readonly (readonly [string, string])[] = [
      ['a mismatched end tag', '<a><b></c></a>'],
      ['an unclosed element', '<a><b></b>'],
      ['an unbound element namespace prefix', '<a><p:b/></a>'],
      ['an unbound attribute namespace prefix', '<a p:x="1"/>'],
      ['a duplicate attribute', '<a x="1" x="2"/>'],
      ['an unclosed attribute quote', '<a x="1><b/></a>'],
      ['two root elements', '<a/><b/>'],
      ['text after the root element', '<a/>text'],
      ['an undefined entity &foo;', '<a>&foo;</a>'],
    ];
    for (const [name, text] of malformed) {
      it(`refuses ${name} with INTAKE_MALFORMED`, () => {
        // The whole intake path: some rules are the scan's (text outside the root), others the parser's.
        refuses(() => parseXml(intakeXml(utf8(text)).text), 'INTAKE_MALFORMED');
      });
    }

    it('refuses a DOCTYPE with INTAKE_DTD_FORBIDDEN even when called without the scan', () => {
      refuses(() => parseXml('<!DOCTYPE a><a/>'), 'INTAKE_DTD_FORBIDDEN');
    });

    it('parses what intake accepted, end to end', () => {
      const { text } = intakeXml(windows1251('<?xml version="1.0" encoding="windows-1251"?><a>Привіт</a>'));
      assert.equal(parseXml(text).documentElement.textContent, 'Привіт');
    });
  });
});
