import { canonicalCase } from '../canonical/canonical-case.js';
import { contactCenterCsvCase } from '../contact-center-csv/contact-center-csv-case.js';
import { jsonRestCase } from '../json-rest/json-rest-case.js';
import { medoXdmsCase } from '../medo-xdms/medo-xdms-case.js';
import { sevOvv1207Case } from '../sev-ovv-1207/sev-ovv-1207-case.js';
import type { ConformanceCase } from './conformance-case.js';

/** Every adapter the hub ships; adapter-conformance.test.ts runs the suite over each. */
export const conformanceCases: readonly ConformanceCase[] = [
  canonicalCase,
  sevOvv1207Case,
  medoXdmsCase,
  jsonRestCase,
  contactCenterCsvCase,
];
