/**
 * Who takes part in the demo: the Government Contact Center and three agencies, one per format and transport.
 * The codes are valid ЄДРПОУ codes (check digit included); the contact center's is the one the example
 * adapter settings name as the default recipient of agencies' answers.
 */
export const CONTACT_CENTER = { code: '00015622', name: 'Урядовий контактний центр' } as const;

export type AgencyKey = 'sev1207' | 'xdms' | 'json';

export interface DemoAgency {
  readonly key: AgencyKey;
  readonly code: string;
  readonly name: string;
  /** The adapter it is registered with (its settings: adapters/<adapter>/example-settings.json). */
  readonly adapter: 'sev-ovv-1207' | 'medo-xdms' | 'json-rest';
  /** How the hub reaches it. */
  readonly transport: string;
}

export const AGENCIES: Readonly<Record<AgencyKey, DemoAgency>> = {
  sev1207: {
    key: 'sev1207',
    code: '35000016',
    name: 'Агентство А (СЕВ ОВВ «1207»)',
    adapter: 'sev-ovv-1207',
    transport: 'HTTPS push',
  },
  xdms: {
    key: 'xdms',
    code: '35000025',
    name: 'Міністерство Б (МЕДО xdms)',
    adapter: 'medo-xdms',
    transport: 'file drop',
  },
  json: {
    key: 'json',
    code: '35000030',
    name: 'Служба В (JSON API)',
    adapter: 'json-rest',
    transport: 'HTTPS push, flaky',
  },
};

export const AGENCY_KEYS: readonly AgencyKey[] = ['sev1207', 'xdms', 'json'];

export function agencyByCode(code: string): DemoAgency | undefined {
  return AGENCY_KEYS.map((key) => AGENCIES[key]).find((agency) => agency.code === code);
}
