import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { VkhidError } from '../../gateway/errors/vkhid-error.js';

/**
 * The МЕДО transport package: a ZIP archive holding the xdms passport (`passport.xml`) and the files it lists
 * (document text, enclosures). The passport itself has no element for file content, so a document with its
 * text and attachments can only travel as a package; notifications and acknowledgments travel as bare XML.
 *
 * Only what the adapter needs is implemented, and reading is written for hostile input: no ZIP64, no
 * encryption, methods stored and deflate only, flat names (no directories, no `..`), no duplicate names,
 * sizes and CRC-32 checked, and the total inflated size capped before inflating (zip bombs).
 */

export const PASSPORT_NAME = 'passport.xml';

export interface PackageEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface PackageLimits {
  readonly maxEntries: number;
  /** Largest total of the inflated entries, in bytes. */
  readonly maxTotalBytes: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8_NAME = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** 1980-01-01 00:00 in MS-DOS time: the package must not depend on the clock (same input, same bytes). */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const VERSION = 20;

/** `PK\x03\x04`: how a package is told from a bare passport. */
export function isPackage(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}

/** Writes a ZIP archive (deflate, UTF-8 names, fixed timestamps). */
export function writePackage(entries: readonly PackageEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
    const deflated = deflateRawSync(raw);
    const stored = deflated.length >= raw.length;
    const data = stored ? raw : deflated;
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(FLAG_UTF8_NAME, 6);
    local.writeUInt16LE(stored ? METHOD_STORED : METHOD_DEFLATE, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(VERSION, 4);
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(FLAG_UTF8_NAME, 8);
    central.writeUInt16LE(stored ? METHOD_STORED : METHOD_DEFLATE, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Reads a package into its entries by name. Throws ADAPTER_MALFORMED naming the problem. */
export function readPackage(bytes: Uint8Array, limits: PackageLimits): Map<string, Buffer> {
  const zip = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  const directoryOffset = zip.readUInt32LE(end + 16);
  if (zip.readUInt16LE(end + 4) !== 0 || zip.readUInt16LE(end + 8) !== count) {
    throw malformed('multi-volume archives are not accepted');
  }
  if (count === 0xffff || directoryOffset === 0xffffffff) throw malformed('ZIP64 archives are not accepted');
  if (count > limits.maxEntries) throw malformed(`it holds more than ${limits.maxEntries} files`);
  if (directoryOffset + directorySize > end) throw malformed('the central directory is out of bounds');
  const entries = new Map<string, Buffer>();
  let total = 0;
  let position = directoryOffset;
  for (let index = 0; index < count; index++) {
    need(zip, position, 46);
    if (zip.readUInt32LE(position) !== CENTRAL_HEADER)
      throw malformed('a central directory entry is damaged');
    const flags = zip.readUInt16LE(position + 8);
    const method = zip.readUInt16LE(position + 10);
    const crc = zip.readUInt32LE(position + 16);
    const compressedSize = zip.readUInt32LE(position + 20);
    const size = zip.readUInt32LE(position + 24);
    const nameLength = zip.readUInt16LE(position + 28);
    const extraLength = zip.readUInt16LE(position + 30);
    const commentLength = zip.readUInt16LE(position + 32);
    const localOffset = zip.readUInt32LE(position + 42);
    need(zip, position + 46, nameLength);
    const name = entryName(zip.subarray(position + 46, position + 46 + nameLength), flags);
    position += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue; // a directory entry carries no file
    checkName(name);
    if (entries.has(name)) throw malformed(`the file ${name} appears twice`);
    if ((flags & FLAG_ENCRYPTED) !== 0) throw malformed(`the file ${name} is encrypted`);
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
      throw malformed(`the file ${name} uses compression method ${method} (only stored and deflate)`);
    }
    total += size;
    if (total > limits.maxTotalBytes) throw malformed(`its files exceed ${limits.maxTotalBytes} bytes`);
    need(zip, localOffset, 30);
    if (zip.readUInt32LE(localOffset) !== LOCAL_HEADER) throw malformed(`the file ${name} is damaged`);
    const dataStart =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    need(zip, dataStart, compressedSize);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    let content: Buffer;
    if (method === METHOD_STORED) {
      content = data;
    } else {
      try {
        // maxOutputLength stops a bomb at the declared size, whatever the deflate stream says.
        content = inflateRawSync(data, { maxOutputLength: Math.max(size, 1) });
      } catch (error) {
        throw malformed(`the file ${name} cannot be inflated`, error);
      }
    }
    if (content.length !== size) throw malformed(`the file ${name} is not ${size} bytes long`);
    if (crc32(content) !== crc) throw malformed(`the CRC-32 of the file ${name} does not match`);
    entries.set(name, content);
  }
  return entries;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) {
    if (
      zip.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY &&
      at + 22 + zip.readUInt16LE(at + 20) === zip.length
    ) {
      return at;
    }
  }
  throw malformed('the ZIP end-of-central-directory record is missing');
}

function entryName(raw: Buffer, flags: number): string {
  if ((flags & FLAG_UTF8_NAME) === 0 && raw.some((byte) => byte >= 0x80)) {
    // Without the UTF-8 flag the name is in an unstated OEM code page: guessing could confuse two files.
    throw malformed('a file name is neither ASCII nor flagged as UTF-8');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (error) {
    throw malformed('a file name is not valid UTF-8', error);
  }
}

/** Files are looked up by the passport's localName: only flat, plain names can be matched unambiguously. */
function checkName(name: string): void {
  // eslint-disable-next-line no-control-regex -- control characters in a file name are the point
  if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f]/.test(name)) {
    throw malformed(`the file name ${JSON.stringify(name)} is not a plain file name`);
  }
}

function need(zip: Buffer, offset: number, length: number): void {
  if (offset < 0 || offset + length > zip.length) throw malformed('it ends before its directory says');
}

function malformed(why: string, cause?: unknown): VkhidError {
  return new VkhidError('ADAPTER_MALFORMED', { args: ['МЕДО package (ZIP)', why], cause });
}
