/** docs/lifecycle.md's transition table is the code's: same rows, same order, same roles. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRANSITION_TABLE } from '../../gateway/lifecycle/transition-table.js';
import { packageRoot } from '../../gateway/package-paths.js';

function documentedRows(): string[][] {
  const markdown = readFileSync(join(packageRoot, 'docs', 'lifecycle.md'), 'utf8');
  const section = /<!-- transition-table:start -->([\s\S]*?)<!-- transition-table:end -->/.exec(markdown);
  assert.ok(section?.[1] !== undefined, 'docs/lifecycle.md has no marked transition table');
  return section[1]
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/`/g, '')),
    );
}

describe('docs/lifecycle.md', () => {
  it('lists exactly the transitions of TRANSITION_TABLE', () => {
    const expected = TRANSITION_TABLE.map((row) => [
      row.from === 'untracked' ? '(untracked)' : row.from,
      row.event,
      row.to,
      row.by.join(', '),
    ]);
    assert.deepEqual(documentedRows(), expected);
  });
});
