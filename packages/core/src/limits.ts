/**
 * Input bounds. Every field that a caller controls is bounded; docs/api.md lists these.
 * Anything beyond them is rejected with a 4xx before it reaches storage.
 */
export const LIMITS = {
  /** Largest JSON body accepted by the API, in bytes. */
  bodyBytes: 64 * 1024,
  /** Event and message text, in characters. */
  textChars: 16_000,
  /** Short labels: names, teams, topics, ids. */
  labelChars: 200,
  /** Reason, promise, constraint and action sentences. */
  sentenceChars: 1_000,
  /** Serialized size of an event's free-form `data` object, in bytes. */
  dataBytes: 16 * 1024,
  /** Identifiers on one event. */
  identifiers: 10,
  /** Known facts set in one request. */
  factsPerRequest: 50,
  /** Known facts kept on one journey. */
  factsPerJourney: 200,
  /** Open constraints on one journey. */
  constraintsPerJourney: 100,
  /** Promises on one journey. */
  promisesPerJourney: 500,
  /** Thread references on one event, and the length of each. */
  threadRefs: 50,
  threadRefChars: 1_000,
  /** Idempotency keys, in characters. */
  idempotencyKeyChars: 200,
  /** Events returned by one page of the event log. */
  pageMax: 500,
  /** Default page size. */
  pageDefault: 50,
  /** Events shown inline as recent history in the journey context. */
  recentHistory: 20,
} as const;
