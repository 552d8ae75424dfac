/**
 * `npm run demo`: how a newcomer sees Vkhid work in a minute (issue #6, item 6). See docs/demo.md.
 */
import { runDemo } from './demo-run.js';
import { demoDataDir, DemoUsageError, parseDemoArgs, USAGE } from './demo-options.js';

async function main(): Promise<number> {
  let options;
  let dataDir: string;
  try {
    options = parseDemoArgs(process.argv.slice(2));
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    dataDir = demoDataDir(process.env);
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    process.stderr.write(`demo: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  return runDemo({
    dataDir,
    appeals: options.appeals,
    seed: options.seed,
    print: (line) => process.stdout.write(`${line}\n`),
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
