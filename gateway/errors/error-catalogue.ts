/**
 * The one catalogue of coded errors. Every refusal the hub gives (HTTP problem+json, CLI message, adapter
 * report) carries one of these codes. Codes are a public contract: integrators match on them, so a code is
 * never renamed or reused for another meaning. `docs/errors.md` documents each one and a test keeps the two
 * in sync (test/errors/error-catalogue.test.ts).
 *
 * `message` may contain `%s` placeholders, filled in order by `new VkhidError(code, { args })`.
 */
export interface ErrorSpec {
  /** HTTP status used when the error reaches an HTTP client. */
  readonly status: number;
  /** Short human-readable message; `%s` placeholders are filled from `args`. */
  readonly message: string;
}

export const errorCatalogue = {
  // --- Intake: checks on the raw bytes, before any XML parser sees them ---
  INTAKE_EMPTY: { status: 400, message: 'The document is empty' },
  INTAKE_TOO_LARGE: { status: 413, message: 'The document is %s bytes; the limit is %s bytes' },
  INTAKE_BAD_ENCODING: { status: 400, message: 'The document is not valid %s: %s' },
  INTAKE_UNSUPPORTED_ENCODING: { status: 415, message: 'The declared encoding %s is not supported' },
  INTAKE_DTD_FORBIDDEN: {
    status: 400,
    message: 'DOCTYPE and ENTITY declarations are not allowed (XXE and entity-expansion defence)',
  },
  INTAKE_TOO_DEEP: { status: 400, message: 'Elements are nested deeper than the limit of %s' },
  INTAKE_TOO_MANY_ELEMENTS: { status: 400, message: 'The document has more than %s elements' },
  INTAKE_TOO_MANY_ATTRIBUTES: { status: 400, message: 'An element has more than %s attributes' },
  INTAKE_MALFORMED: { status: 400, message: 'The document is not well-formed XML: %s' },

  // --- The canonical envelope ---
  ENVELOPE_FOREIGN_NAMESPACE: {
    status: 400,
    message: 'The root element is {%s}%s; expected {urn:vkhid:envelope:1}Envelope',
  },
  ENVELOPE_SCHEMA_INVALID: { status: 422, message: 'The envelope does not match the schema: %s' },
  ENVELOPE_TYPE_MISMATCH: { status: 422, message: 'The header says type %s but the body holds %s' },
  ENVELOPE_MARKUP_FORBIDDEN: {
    status: 400,
    message:
      'Comments inside the envelope and processing instructions anywhere in the document are not allowed',
  },
  ENVELOPE_INVALID_MODEL: { status: 422, message: 'The envelope model is invalid: %s' },

  // --- XML signature ---
  SIGNATURE_MISSING: { status: 401, message: 'The envelope is not signed' },
  SIGNATURE_MULTIPLE: {
    status: 401,
    message: 'The document holds %s Signature elements; exactly one is allowed',
  },
  SIGNATURE_MISPLACED: {
    status: 401,
    message: 'The Signature must be the last child element of the envelope root',
  },
  SIGNATURE_STRUCTURE: { status: 401, message: 'The Signature element is malformed: %s' },
  SIGNATURE_REFERENCE: {
    status: 401,
    message: 'The signature must have exactly one Reference covering the root: %s',
  },
  SIGNATURE_DUPLICATE_ID: { status: 401, message: 'The Id %s is used by more than one element' },
  SIGNATURE_ALGORITHM_FORBIDDEN: { status: 401, message: 'The %s algorithm %s is not allowed' },
  SIGNATURE_DIGEST_MISMATCH: { status: 401, message: 'The signed content was changed after signing' },
  SIGNATURE_INVALID: {
    status: 401,
    message: 'The signature value does not verify with the sender certificate',
  },
  SIGNATURE_KEYINFO_MISMATCH: {
    status: 401,
    message: 'The certificate in KeyInfo is not a certificate trusted for sender %s',
  },
  SIGNATURE_KEY_MISMATCH: {
    status: 401,
    message: 'The signature algorithm %s does not fit the signer key type %s',
  },
  SIGNATURE_ALREADY_SIGNED: { status: 400, message: 'The document already carries a Signature' },

  // --- Certificates and trust ---
  CERT_UNKNOWN_SIGNER: { status: 403, message: 'No trusted certificate is known for sender %s' },
  CERT_UNTRUSTED: { status: 403, message: 'The certificate %s does not chain to a trusted CA' },
  CERT_EXPIRED: { status: 403, message: 'The certificate %s expired at %s' },
  CERT_NOT_YET_VALID: { status: 403, message: 'The certificate %s is not valid before %s' },
  CERT_INVALID: { status: 400, message: 'The certificate cannot be read: %s' },
  CERT_WEAK_KEY: { status: 403, message: 'The certificate key is too weak: %s' },
  CERT_USAGE: { status: 403, message: 'The certificate %s may not be used for %s' },
  KEY_INVALID: { status: 400, message: 'The private key cannot be used: %s' },

  // --- Registry: participants, memoranda, certificates bound to them ---
  PARTICIPANT_CODE_INVALID: {
    status: 400,
    message: '%s is not a valid ЄДРПОУ code (8 digits with a check digit)',
  },
  PARTICIPANT_INVALID: { status: 400, message: 'Invalid participant: %s' },
  PARTICIPANT_EXISTS: { status: 409, message: 'Participant %s is already registered' },
  PARTICIPANT_NOT_FOUND: { status: 404, message: 'Participant %s is not registered' },
  PARTICIPANT_STATUS_TRANSITION: { status: 409, message: 'Participant %s cannot go from %s to %s' },
  PARTICIPANT_NOT_ACTIVE: { status: 403, message: 'Participant %s is %s and may not exchange messages' },
  MEMORANDUM_INVALID: { status: 400, message: 'Invalid memorandum: %s' },
  MEMORANDUM_DATES: { status: 400, message: 'Memorandum dates are out of order: %s' },
  MEMORANDUM_OVERLAP: {
    status: 409,
    message: 'Memorandum %s overlaps memorandum %s of the same participant',
  },
  MEMORANDUM_NOT_FOUND: { status: 404, message: 'Memorandum %s is not registered' },
  MEMORANDUM_STATUS_TRANSITION: { status: 409, message: 'Memorandum %s cannot go from %s to %s' },
  MEMORANDUM_NOT_IN_FORCE: {
    status: 403,
    message: 'No memorandum of participant %s covering %s is in force on %s',
  },
  CERT_NOT_FOUND: { status: 404, message: 'Certificate %s is not registered' },
  CERT_EXISTS: { status: 409, message: 'Certificate %s is already registered' },
  CERT_PARTICIPANT_MISMATCH: { status: 403, message: 'Certificate %s is bound to %s, not to %s' },
  CERT_REVOKED: { status: 403, message: 'Certificate %s was revoked at %s (%s)' },
  CERT_AMBIGUOUS: {
    status: 409,
    message: 'Serial number %s is used by more than one issuer: name the certificate by its fingerprint',
  },
  CERT_PROTECTED: { status: 409, message: 'Certificate %s is the hub CA: %s' },
  HUB_NOT_INITIALISED: { status: 409, message: 'The hub is not initialised in %s: run `vkhid init`' },
  HUB_ALREADY_INITIALISED: { status: 409, message: 'The hub in %s is already initialised' },

  // --- Administration ---
  ADMIN_UNAUTHENTICATED: { status: 401, message: 'A valid administrator token is required' },
  ADMIN_FORBIDDEN: { status: 403, message: 'Role %s may not %s' },
  ADMIN_USER_INVALID: { status: 400, message: 'Invalid administrator: %s' },
  ADMIN_USER_EXISTS: { status: 409, message: 'Administrator %s already exists (names are never reused)' },
  ADMIN_USER_NOT_FOUND: { status: 404, message: 'Administrator %s does not exist' },

  // --- PKI: the hub CA issuing certificates, PKCS#12 files and CRLs ---
  PKI_CSR_INVALID: { status: 400, message: 'The certificate signing request cannot be used: %s' },
  PKI_WEAK_KEY: { status: 422, message: 'The key is not accepted: %s' },
  PKI_WEAK_PASSWORD: { status: 422, message: 'The PKCS#12 password is not accepted: %s' },
  PKI_REVOCATION_REASON: { status: 400, message: 'Unknown revocation reason %s; expected one of %s' },
  PKI_REQUEST_INVALID: { status: 400, message: 'The PKI request is invalid: %s' },

  // --- Command line ---
  CLI_USAGE: { status: 400, message: '%s' },
  CONFIG_INVALID: { status: 500, message: 'The setting %s is invalid: %s' },
  CLI_FILE_UNREADABLE: { status: 400, message: 'Cannot read %s: %s' },
  CLI_FILE_UNWRITABLE: { status: 400, message: 'Cannot write %s: %s' },

  // --- Store: the storage boundary (gateway/store/) ---
  STORE_UNAVAILABLE: { status: 503, message: 'The store is unavailable; try again later' },
  STORE_CONFLICT: { status: 409, message: 'A record with the same key is already stored' },
  STORE_CLOSED: { status: 503, message: 'The store is closed' },
  STORE_NESTED_TRANSACTION: {
    status: 500,
    message: 'A store operation was started inside another operation on the same store',
  },
  STORE_HANDLE_EXPIRED: { status: 500, message: 'A store handle was used after its operation ended' },
  STORE_INVALID_STATEMENT: { status: 500, message: 'The statement breaks the store rules: %s' },
  STORE_SCHEMA_TOO_NEW: {
    status: 500,
    message: 'The database schema is at version %s but this code knows versions up to %s',
  },
  STORE_SCHEMA_DIVERGED: {
    status: 500,
    message: 'Migration %s is recorded in the database as "%s" but this code names it "%s"',
  },

  // --- Anything unexpected: a bug, never the caller's fault ---
  INTERNAL: { status: 500, message: 'Internal error' },

  // --- HTTP: requests to the hub's JSON APIs (admin API) ---
  REQUEST_INVALID_JSON: { status: 400, message: 'The request is not the JSON this operation takes: %s' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No route %s %s' },

  // --- Intake over HTTP: POST /v1/messages (participants authenticate with TLS client certificates) ---
  INTAKE_CLIENT_CERT_MISSING: {
    status: 401,
    message: 'A TLS client certificate is required: present the certificate the hub issued to your system',
  },
  INTAKE_CLIENT_CERT_UNKNOWN: { status: 403, message: 'The client certificate %s is not accepted: %s' },
  INTAKE_SENDER_MISMATCH: {
    status: 403,
    message: 'The client certificate belongs to participant %s, but the envelope is sent by %s',
  },
  INTAKE_DUPLICATE_ID: {
    status: 409,
    message: 'Message %s was already received with different content; a new message needs a new MessageId',
  },
  INTAKE_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: '%s is not accepted: send the signed envelope as application/xml, without a content encoding',
  },
  INTAKE_REQUEST_INVALID: { status: 400, message: 'The request cannot be read: %s' },

  // --- Delivery queue: operators and workers acting on delivery jobs ---
  QUEUE_JOB_NOT_FOUND: { status: 404, message: 'Delivery job %s does not exist' },
  QUEUE_TRANSITION: { status: 409, message: 'Delivery job %s is %s and cannot be %s' },

  // --- Delivery: push to endpoints, pull by GET /v1/inbox and POST /v1/inbox/{id}/ack ---
  DELIVERY_MESSAGE_NOT_FOUND: { status: 404, message: 'No message %s is addressed to you' },
  DELIVERY_RECEIPT_INVALID: { status: 422, message: 'The receipt does not acknowledge this message: %s' },
  // --- Adapters: converting agency formats to and from the canonical envelope (issue #5) ---
  ADAPTER_UNKNOWN: { status: 422, message: 'No adapter named %s is registered' },
  ADAPTER_REGISTRATION: { status: 500, message: 'Adapter %s cannot be registered: %s' },
  ADAPTER_SETTINGS_INVALID: { status: 422, message: 'The settings of adapter %s are invalid: %s' },
  ADAPTER_UNSUPPORTED: { status: 415, message: 'Adapter %s does not convert %s' },
  ADAPTER_INPUT_TOO_LARGE: {
    status: 413,
    message: 'The document is %s bytes; adapter %s takes at most %s bytes',
  },
  ADAPTER_MALFORMED: { status: 400, message: 'The document is not valid %s: %s' },
  ADAPTER_BAD_ENCODING: { status: 400, message: 'The document is not valid %s text: %s' },
  ADAPTER_MISSING_FIELD: { status: 422, message: 'The required field %s is missing' },
  ADAPTER_INVALID_FIELD: { status: 422, message: 'The field %s is invalid: %s' },
  ADAPTER_NATIVE_SCHEMA_INVALID: { status: 422, message: 'The document does not match the %s schema: %s' },
  ADAPTER_OUTPUT_INVALID: { status: 422, message: 'Adapter %s produced an invalid %s: %s' },
  ADAPTER_TIMEOUT: { status: 503, message: 'Adapter %s took longer than %s ms' },
  ADAPTER_FAILED: { status: 500, message: 'Adapter %s failed: %s' },
  // --- Appeal lifecycle: the canonical states of an appeal and who may move it (issue #6) ---
  LIFECYCLE_INVALID_TRANSITION: { status: 409, message: 'Appeal %s cannot go from %s to %s on event %s%s' },
  LIFECYCLE_WRONG_ACTOR: { status: 403, message: 'Event %s on appeal %s cannot come from %s %s: %s' },
  LIFECYCLE_UNKNOWN_APPEAL: {
    status: 404,
    message: 'Appeal %s is not tracked: its lifecycle starts with the registration at the contact center',
  },
  LIFECYCLE_UNTRACKED: { status: 422, message: 'Message %s cannot be tied to an appeal: %s' },
  // --- The handoff ledger: hash-chained entries, signed checkpoints, offline proofs (issue #6) ---
  LEDGER_ENTRY_INVALID: { status: 500, message: 'The ledger entry field %s is invalid: %s' },
  LEDGER_BROKEN: { status: 409, message: 'The ledger is broken at entry %s: %s' },
  LEDGER_NOT_FOUND: { status: 404, message: 'The ledger has no entries for tracking number %s' },
  LEDGER_PROOF_INVALID: { status: 422, message: 'The ledger proof does not verify: %s' },
  // --- Statutory deadlines and the working-day calendar (issue #6) ---
  DEADLINE_CALENDAR_INVALID: { status: 500, message: 'The working-day calendar is invalid: %s' },
  DEADLINE_INPUT_INVALID: { status: 422, message: 'The field %s is invalid: %s' },
  DEADLINE_EXTENSION_BEYOND_MAXIMUM: {
    status: 422,
    message: 'The new deadline %s is after the statutory maximum %s (%s)',
  },
  DEADLINE_EXTENSION_REFUSED: { status: 409, message: 'The deadline cannot be extended: %s' },
  // --- Status for citizens: GET /v1/track/{tracking} with the appeal's access code (issue #6) ---
  TRACK_NOT_FOUND: {
    status: 404,
    message: 'No appeal matches this tracking number and access code',
  },
  TRACK_RATE_LIMITED: { status: 429, message: 'Too many status requests; try again in %s seconds' },
  TRACK_KEY_INVALID: { status: 500, message: "The hub's tracking secret is unusable: %s" },
  // --- Reports on appeals: `vkhid report` and GET /admin/reports/appeals (issue #6) ---
  REPORT_QUERY_INVALID: { status: 400, message: 'The report query is invalid: %s' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCatalogue, value);
}
