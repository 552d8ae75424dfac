import { join } from 'node:path';
import { schemasDirectory } from '../package-paths.js';
import { XsdSchema } from '../xml/xsd-schema.js';

let compiled: XsdSchema | undefined;

/** The compiled canonical envelope schema, compiled on first use and shared by the whole process. */
export function envelopeSchema(): XsdSchema {
  compiled ??= XsdSchema.load(join(schemasDirectory, 'vkhid-envelope-1.xsd'), 'ENVELOPE_SCHEMA_INVALID');
  return compiled;
}
