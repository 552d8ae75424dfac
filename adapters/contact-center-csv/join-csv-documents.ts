import type { NativeDocument } from '../../gateway/adapters/adapter.js';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';
import { ContactCenterCsvAdapter } from './contact-center-csv-adapter.js';
import { ADAPTER_NAME, parseCsvSettings } from './csv-settings.js';

/** The reply header alone (BOM included when the settings want one): the start of every export. */
export function csvReplyHeader(settings: Readonly<Record<string, unknown>>): NativeDocument {
  return new ContactCenterCsvAdapter(parseCsvSettings(settings)).replyHeader();
}

/**
 * One CSV of many one-row documents written by the adapter with the same settings: `header` (see
 * `csvReplyHeader`) followed by each document's row. Every document must begin with exactly the header's
 * bytes, so rows written under another header (an appeal, other settings) are refused rather than filed
 * under the wrong columns.
 */
export function joinCsvDocuments(
  header: NativeDocument,
  documents: readonly NativeDocument[],
): NativeDocument {
  const head = Buffer.from(header.bytes);
  const parts: Buffer[] = [head];
  documents.forEach((document, index) => {
    const bytes = Buffer.from(document.bytes);
    if (bytes.length < head.length || !bytes.subarray(0, head.length).equals(head)) {
      throw new VkhidError('ADAPTER_FAILED', {
        args: [ADAPTER_NAME, `document ${index + 1} does not start with the reply header`],
      });
    }
    parts.push(bytes.subarray(head.length));
  });
  return { bytes: new Uint8Array(Buffer.concat(parts)), mediaType: header.mediaType };
}
