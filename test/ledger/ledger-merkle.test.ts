/**
 * The Merkle tree: the streamed root equals the recursive RFC 9162 definition, and every audit path
 * verifies for its own leaf only.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { auditPath, leafHash, merkleRoot, verifyAuditPath } from '../../gateway/ledger/ledger-merkle.js';

const node = (l: string, r: string): string => createHash('sha256').update(`\u0001${l}${r}`).digest('hex');

/** RFC 9162 MTH, written straight from its recursive definition. */
function referenceRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) return createHash('sha256').digest('hex');
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return node(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

const hashes = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => createHash('sha256').update(`entry ${i}`).digest('hex'));

describe('ledger Merkle tree', () => {
  it('streams the same root as the recursive definition, for 0..70 leaves', () => {
    for (let n = 0; n <= 70; n += 1) assert.equal(merkleRoot(hashes(n)), referenceRoot(hashes(n)), `n=${n}`);
  });

  it('every audit path verifies for its leaf, and fails for another leaf, index, path or root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (n, pick) => {
        const leaves = hashes(n);
        const index = pick % n;
        const root = merkleRoot(leaves);
        const path = auditPath(leaves, index);
        assert.ok(verifyAuditPath(leaves[index]!, index, n, path, root));
        if (n > 1) {
          const other = (index + 1) % n;
          assert.ok(!verifyAuditPath(leaves[other]!, index, n, path, root));
          assert.ok(!verifyAuditPath(leaves[index]!, other, n, path, root));
        }
        // The size alone may leave the path's shape unchanged: the root, which binds the size, decides.
        assert.ok(!verifyAuditPath(leaves[index]!, index, n, path.slice(1), root) || path.length === 0);
        assert.ok(!verifyAuditPath(leaves[index]!, index, n, path, merkleRoot(hashes(n + 1))));
      }),
      { numRuns: 200 },
    );
  });
});
