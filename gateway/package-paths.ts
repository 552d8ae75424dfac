import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, found by walking up from this file: the same code runs from `gateway/` under tsx and
 * from `dist/gateway/` when built, and the schemas live beside both at the root.
 */
function findPackageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(directory, 'schemas', 'vkhid-envelope-1.xsd'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error('cannot find the vkhid package root (schemas/ is missing)');
    directory = parent;
  }
}

export const packageRoot = findPackageRoot();
export const schemasDirectory = join(packageRoot, 'schemas');
