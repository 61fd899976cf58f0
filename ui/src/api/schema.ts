// A small runtime schema from which the API's TypeScript types are derived,
// so the types and the check of real answers (tests/fixtures/api, recorded
// from the C dispatcher) can never disagree.

export interface Schema<T> {
  check(value: unknown, path: string): string[];
  readonly optional?: boolean;
  readonly _type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function primitive<T>(kind: string): Schema<T> {
  return {
    check: (v, path) => (typeof v === kind ? [] : [`${path}: expected ${kind}, got ${describe(v)}`]),
  };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export const str = primitive<string>('string');
export const num = primitive<number>('number');
export const bool = primitive<boolean>('boolean');
export const unknownValue: Schema<unknown> = { check: () => [] };

export function oneOf<const T extends readonly string[]>(...values: T): Schema<T[number]> {
  return {
    check: (v, path) =>
      typeof v === 'string' && values.includes(v)
        ? []
        : [`${path}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`],
  };
}

export function nullable<T>(s: Schema<T>): Schema<T | null> {
  return { check: (v, path) => (v === null ? [] : s.check(v, path)) };
}

/** A member that may be absent (an optional key in the derived type). */
export function optional<T>(s: Schema<T>): Schema<T | undefined> & { readonly optional: true } {
  return { optional: true, check: (v, path) => (v === undefined ? [] : s.check(v, path)) };
}

export function arrayOf<T>(s: Schema<T>): Schema<T[]> {
  return {
    check: (v, path) =>
      Array.isArray(v)
        ? v.flatMap((e, i) => s.check(e, `${path}[${i}]`))
        : [`${path}: expected array, got ${describe(v)}`],
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends { readonly optional: true } ? K : never;
}[keyof S];
type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

/** An object with exactly these members: an unknown member is drift too. */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    check: (v, path) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return [`${path}: expected object, got ${describe(v)}`];
      const o = v as Record<string, unknown>;
      const problems: string[] = [];
      for (const [key, s] of Object.entries(shape)) {
        if (!(key in o) && !s.optional) problems.push(`${path}.${key}: missing`);
        else problems.push(...s.check(o[key], `${path}.${key}`));
      }
      for (const key of Object.keys(o))
        if (!(key in shape)) problems.push(`${path}.${key}: not in the UI's types`);
      return problems;
    },
  };
}

/** Check a value against a schema; the list of problems is empty when it fits. */
export function validate<T>(s: Schema<T>, value: unknown, name = 'value'): string[] {
  return s.check(value, name);
}
