import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  ParseOption,
  XmlDocument,
  XmlError,
  XmlParseError,
  XmlValidateError,
  XsdValidator,
} from 'libxml2-wasm';
import type { ErrorCode } from '../errors/error-catalogue.js';
import { VkhidError } from '../errors/vkhid-error.js';

/**
 * Untrusted documents are parsed by libxml2 with network access, external entities and DTD loading off:
 * the XSD check must never become a way to read files or reach the network (XXE).
 */
const UNTRUSTED_PARSE_OPTIONS =
  ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NO_SYS_CATALOG;

/**
 * A compiled XML Schema. Compiling costs milliseconds, validating a 4 KB envelope tens of microseconds, so a
 * schema is compiled once per process and reused (the compiled form lives in WebAssembly memory for the life
 * of the process on purpose).
 */
export class XsdSchema {
  private constructor(
    private readonly validator: XsdValidator,
    /** The error code used for documents that do not match this schema. */
    private readonly invalidCode: ErrorCode,
  ) {}

  /** Compiles the schema at `path`; `xs:import`/`xs:include` are resolved relative to it. */
  static load(path: string, invalidCode: ErrorCode): XsdSchema {
    const source = readFileSync(path);
    const schemaDoc = XmlDocument.fromBuffer(source, { url: pathToFileURL(path).href });
    try {
      return new XsdSchema(XsdValidator.fromDoc(schemaDoc), invalidCode);
    } finally {
      schemaDoc.dispose();
    }
  }

  /**
   * Parses `xml` (UTF-8 bytes or a string) with libxml2 and validates it. Throws `invalidCode` naming the
   * first problem, or INTAKE_MALFORMED when libxml2 finds the document not well-formed.
   */
  validate(xml: Uint8Array | string): void {
    let doc: XmlDocument;
    try {
      doc =
        typeof xml === 'string'
          ? XmlDocument.fromString(xml, { option: UNTRUSTED_PARSE_OPTIONS })
          : XmlDocument.fromBuffer(xml, { option: UNTRUSTED_PARSE_OPTIONS });
    } catch (error) {
      throw new VkhidError('INTAKE_MALFORMED', { args: [describe(error)], cause: error });
    }
    try {
      this.validator.validate(doc);
    } catch (error) {
      // libxml2 reports a document it cannot validate at all (an internal error) as a plain XmlError: that is
      // still a refusal of this document, never a crash of the caller.
      if (error instanceof XmlValidateError || error instanceof XmlError) {
        const first = error instanceof XmlValidateError ? error.details[0] : undefined;
        throw new VkhidError(this.invalidCode, {
          args: [describe(error)],
          ...(first?.xpath === undefined ? {} : { field: first.xpath }),
          cause: error,
        });
      }
      throw error;
    } finally {
      doc.dispose();
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof XmlValidateError || error instanceof XmlParseError) {
    const first = error.details[0];
    if (first !== undefined) {
      const where = first.line > 0 ? ` (line ${first.line})` : '';
      return `${first.message.trim()}${where}`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
