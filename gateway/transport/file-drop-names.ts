import { extname } from 'node:path';

/**
 * File names of the file drop. The EDMS and the hub share folders, so the names follow the usual
 * atomic-rename convention: a writer creates `.<name>.tmp` (or `<name>.part`) and renames it when complete,
 * and readers never touch such names.
 */

/** Names a reader must leave alone: hidden files and the temporary names of writers still at work. */
export function isIncompleteName(name: string): boolean {
  const lower = name.toLowerCase();
  return name.startsWith('.') || lower.endsWith('.tmp') || lower.endsWith('.part');
}

/** `appeal.xml` → `appeal-1.xml`: the name a clash in sent/ or failed/ moves to instead of overwriting. */
export function withSuffix(name: string, n: number): string {
  if (n === 0) return name;
  const ext = extname(name);
  const stem = ext === '' || ext === name ? name : name.slice(0, -ext.length);
  return `${stem}-${n}${ext}`;
}

// Message ids are UUIDs in the envelope; anything that could leave the folder or hide the file is refused.
const MESSAGE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_NAME_BYTES = 200;

/**
 * The name a delivered message gets in `in/`: derived only from the message id and the adapter's file name
 * (or its media type), so delivering the same message again finds the same file. An adapter's file name is
 * reduced to a safe base name (no path, no control or reserved characters), and prefixed with the message id
 * unless it already contains it.
 */
export function deliveryFileName(messageId: string, fileName: string | undefined, mediaType: string): string {
  if (!MESSAGE_ID.test(messageId)) throw new RangeError(`${JSON.stringify(messageId)} is not a message id`);
  const own = fileName === undefined ? '' : safeBaseName(fileName);
  let name: string;
  if (own === '') name = `${messageId}${extensionFor(mediaType)}`;
  else if (own.includes(messageId)) name = own;
  else name = `${messageId}-${own}`;
  name = truncateUtf8(name, MAX_NAME_BYTES);
  // A delivered file must never look like a writer's temporary file to the EDMS.
  if (isIncompleteName(name)) name = `${name}.bin`;
  return name;
}

function safeBaseName(fileName: string): string {
  const base = fileName.split(/[/\\]/).pop() ?? '';
  return base
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
}

/** Cuts a name to `max` UTF-8 bytes, keeping its extension and never splitting a character. */
function truncateUtf8(name: string, max: number): string {
  if (Buffer.byteLength(name, 'utf8') <= max) return name;
  const ext = extname(name);
  const keepExt = Buffer.byteLength(ext, 'utf8') <= 16 ? ext : '';
  let stem = name.slice(0, name.length - ext.length);
  while (Buffer.byteLength(stem + keepExt, 'utf8') > max) stem = [...stem].slice(0, -1).join('');
  return stem + keepExt;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/xml': '.xml',
  'text/xml': '.xml',
  'application/json': '.json',
  'text/csv': '.csv',
  'text/plain': '.txt',
  'application/pdf': '.pdf',
  'application/zip': '.zip',
};

/** A file extension for a media type (`+xml`/`+json` suffixes included); `.bin` when there is none. */
export function extensionFor(mediaType: string): string {
  const base = (mediaType.split(';')[0] ?? '').trim().toLowerCase();
  const known = EXTENSIONS[base];
  if (known !== undefined) return known;
  if (base.endsWith('+xml')) return '.xml';
  if (base.endsWith('+json')) return '.json';
  return '.bin';
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.xml': 'application/xml',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

/**
 * The default media type of a picked-up file, by extension. The transport knows no formats: the hub passes
 * the participant's adapter media type instead (`FileDropOptions.mediaTypeFor`).
 */
export function mediaTypeForFileName(fileName: string): string {
  return MEDIA_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}
