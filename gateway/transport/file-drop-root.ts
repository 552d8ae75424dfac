import { fileURLToPath } from 'node:url';
import { VkhidError } from '../errors/vkhid-error.js';

/**
 * The local folder of a file-drop endpoint (`file:///srv/vkhid/drop/00022527`), or `undefined` when the
 * endpoint is not a `file:` URL (an HTTPS endpoint is pushed to, not dropped into).
 *
 * A `file:` endpoint that cannot be a safe local folder is refused with PARTICIPANT_INVALID (field
 * `endpoint`) rather than ignored, so a typo is reported when the participant is registered:
 * - another host than the local one (`file://server/share`): the hub writes personal data only where its
 *   operator mounted it, never to a host named in the registry;
 * - a relative path (`file:drop`, `file://./drop`) or the file-system root;
 * - `.` or `..` segments, also percent-encoded: WHATWG URL parsing would silently resolve them, so
 *   `file:///srv/drop/../../etc` must be refused on the raw text, before parsing;
 * - an encoded `/` or NUL inside a segment, backslashes, control characters, a query or a fragment.
 */
export function fileDropRoot(endpoint: string): string | undefined {
  if (!/^file:/i.test(endpoint)) return undefined;
  const refuse = (why: string): never => {
    throw new VkhidError('PARTICIPANT_INVALID', {
      args: [`${endpoint} is not a file-drop folder: ${why}`],
      field: 'endpoint',
    });
  };
  const rest = endpoint.slice('file:'.length);
  let rawPath: string;
  if (rest.startsWith('///')) rawPath = rest.slice(2);
  else if (/^\/\/localhost\//i.test(rest)) rawPath = rest.slice('//localhost'.length);
  else if (rest.startsWith('//')) return refuse('only local folders (file:///absolute/path) are allowed');
  else if (rest.startsWith('/')) rawPath = rest;
  else return refuse('the path must be absolute (file:///absolute/path)');
  if (/[?#]/.test(rawPath)) return refuse('a query or fragment is not allowed');
  // URL parsing reads `\` as `/` in file URLs and drops tabs and newlines: neither may slip a segment past us.
  if (rawPath.includes('\\')) return refuse('backslashes are not allowed');
  if ([...endpoint].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return refuse('control characters are not allowed');
  const segments = rawPath.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  if (segments.length === 0) return refuse('the file-system root cannot be a drop folder');
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return refuse('a segment is not valid percent-encoding');
    }
    if (segment === '') return refuse('empty path segments are not allowed');
    if (decoded === '.' || decoded === '..') return refuse('. and .. segments are not allowed');
    if (decoded.includes('/') || decoded.includes('\0'))
      return refuse('an encoded / or NUL is not allowed in a segment');
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return refuse('it is not a URL');
  }
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error));
  }
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
