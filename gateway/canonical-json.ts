/**
 * JSON with object keys sorted at every level, members whose value is undefined left out, and no whitespace:
 * one text for equal values whatever their key order. The ledger's proofs are signed over it (so a proof file
 * may be re-indented by any tool), and the adapter registry keys its cached adapters by it (so equal settings
 * share one adapter).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
