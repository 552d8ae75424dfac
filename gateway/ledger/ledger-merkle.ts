import { hash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1) over entry hashes: a checkpoint
 * signs the root of the entries it covers, and an offline proof shows one entry is in that tree with
 * log2(n) sibling hashes instead of every entry in between. Leaves and nodes are hashed with distinct
 * prefixes (0x00, 0x01), so a node can never pass for a leaf. The hashed inputs are the hex texts of the
 * hashes (a leaf: 0x00 and the entry hash in hex; a node: 0x01 and its children's hex): the same tree
 * shape and security as RFC 9162, without a Buffer per node on the verifier's hot path.
 */
export function leafHash(entryHashHex: string): string {
  return hash('sha256', `\u0000${entryHashHex}`);
}

function nodeHash(left: string, right: string): string {
  return hash('sha256', `\u0001${left}${right}`);
}

/**
 * The root computed while leaves stream past, in O(log n) memory: complete subtrees are merged as in a
 * binary counter, and the remaining ones folded right to left at the end, which is exactly RFC 9162's
 * MTH (the left subtree of n leaves is the largest power of two below n).
 */
export class MerkleAccumulator {
  /** Roots of complete subtrees, largest first; sizes[i] leaves under hashes[i]. */
  private readonly hashes: string[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(entryHashHex: string): void {
    let node = leafHash(entryHashHex);
    let size = 1;
    this.count += 1;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      node = nodeHash(this.hashes.pop()!, node);
      size *= 2;
    }
    this.hashes.push(node);
    this.sizes.push(size);
  }

  /** The root in hex (the hash of the empty string for no leaves, as RFC 9162 defines it). */
  root(): string {
    if (this.hashes.length === 0) return hash('sha256', '');
    let root = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i -= 1) root = nodeHash(this.hashes[i]!, root);
    return root;
  }
}

export function merkleRoot(entryHashes: readonly string[]): string {
  const accumulator = new MerkleAccumulator();
  for (const hash of entryHashes) accumulator.push(hash);
  return accumulator.root();
}

/** The audit path (RFC 9162 PATH(m, D[n])) of leaf `index` among `entryHashes`, as hex sibling hashes. */
export function auditPath(entryHashes: readonly string[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= entryHashes.length) {
    throw new RangeError(`leaf ${index} is not in a tree of ${entryHashes.length}`);
  }
  const path: string[] = [];
  const subtreeRoot = (from: number, to: number): string => {
    const accumulator = new MerkleAccumulator();
    for (let i = from; i < to; i += 1) accumulator.push(entryHashes[i]!);
    return accumulator.root();
  };
  const walk = (m: number, from: number, to: number): void => {
    const n = to - from;
    if (n <= 1) return;
    let k = 1;
    while (k * 2 < n) k *= 2;
    if (m < k) {
      walk(m, from, from + k);
      path.push(subtreeRoot(from + k, to));
    } else {
      walk(m - k, from + k, to);
      path.push(subtreeRoot(from, from + k));
    }
  };
  walk(index, 0, entryHashes.length);
  return path;
}

/** RFC 9162 section 2.1.3.2: does `path` lead from leaf `index` of a tree of `size` leaves to `root`? */
export function verifyAuditPath(
  entryHashHex: string,
  index: number,
  size: number,
  path: readonly string[],
  root: string,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let node = leafHash(entryHashHex);
  for (const sibling of path) {
    if (!/^[0-9a-f]{64}$/.test(sibling) || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      node = nodeHash(sibling, node);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      node = nodeHash(node, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && node === root;
}
