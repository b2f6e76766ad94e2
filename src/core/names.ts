// Names that come from a user or a log (domains, metrics, models, run ids): maps without prototypes, own-key
// look-ups, and one escaped matcher for a domain name inside a metric name. A domain called `__proto__`,
// `constructor` or `toString` is an ordinary name here.

/** An empty record without a prototype: `__proto__` or `toString` keys are plain own keys. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A prototype-free copy of `entries`. */
export function dictFrom<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = dict<T>();
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** The value of an own key of `record` (never one inherited from Object.prototype). */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** `s` with every RegExp metacharacter escaped, so it matches itself literally. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * A case-insensitive matcher for `name` as a whole word inside a longer name: the characters next to it must not
 * be letters or digits (`_`, `/`, `-`, `.` are boundaries). `pile.cc` matches `val_loss/pile.cc` and not
 * `val_loss/pileXcc`; `c++` matches `loss_c++`. Group 1 and 3 are the boundaries, group 2 the name.
 */
export function wordMatcher(name: string): RegExp {
  return new RegExp(`(^|[^a-z0-9])(${escapeRegExp(name.toLowerCase())})([^a-z0-9]|$)`, 'i');
}
