import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../gateway/package-paths.js';

export interface ChildRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A TypeScript entry point (`entry`, run through tsx) as a child process with `argv`, from the package root:
 * resolves with its exit code (1 when it was killed) and everything it wrote.
 */
export function runTsChild(
  entry: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...argv], {
      cwd: packageRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * `vkhid ...argv` in its own process, as a newcomer would type it after the demo (`npx tsx
 * gateway/cli/vkhid.ts ...`): it opens the data directory afresh, so what it prints is what is stored.
 */
export function runVkhidChild(argv: readonly string[]): Promise<ChildRun> {
  return runTsChild(join(packageRoot, 'gateway', 'cli', 'vkhid.ts'), argv);
}

/** Whether this build has `vkhid report` (issue #6, item 5, built alongside the demo). */
export function hasReportCommand(): boolean {
  return existsSync(join(packageRoot, 'gateway', 'cli', 'report-command.ts'));
}
