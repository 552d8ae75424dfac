/**
 * A UTF-16 unit XML 1.0 cannot carry: C0 controls other than tab, LF and CR, U+FFFE and U+FFFF, and surrogate
 * halves that are not part of a pair. A value holding one cannot be written into any XML document (and a
 * reader that meets one in a parsed document has been handed something no conforming parser produces).
 * No `g` flag: the expression is shared and keeps no state between calls.
 */
export const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex -- the characters XML 1.0 cannot carry are the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
