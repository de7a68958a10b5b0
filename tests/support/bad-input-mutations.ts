/**
 * A seeded, deterministic structural mutator for request bodies (tests/http/bad-input-fuzz.test.ts):
 * it walks every path of a valid body and replaces the value there with one of a fixed set of
 * wrong things (wrong types, empties, deep nesting, huge numbers, lone surrogates, unknown roles
 * and block types, duplicates, a removed field). Same seed, same cases, so a failure reproduces.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonPath = Array<string | number>;

/** mulberry32: a small PRNG whose sequence depends only on the seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every path in `value`, the root (empty path) first. */
export function pathsOf(value: Json, prefix: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...prefix, index])));
  else if (value !== null && typeof value === "object") for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

function nested(depth: number, leaf: Json, asArray: boolean): Json {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = asArray ? [value] : { a: value };
  return value;
}

/** Markers the case text replaces with 20,000 nested arrays or objects (JSON.stringify would recurse that deep). */
const VERY_DEEP = "\u0000very-deep\u0000";
const VERY_DEEP_OBJECT = "\u0000very-deep-object\u0000";
const VERY_DEEP_TEXT: Record<string, string> = {
  [JSON.stringify(VERY_DEEP)]: "[".repeat(20_000) + "]".repeat(20_000),
  [JSON.stringify(VERY_DEEP_OBJECT)]: '{"type":"object","properties":{"a":'.repeat(10_000) + "{}" + "}}".repeat(10_000),
};

/** The body's JSON text, with the very deep values written in. */
function caseText(body: Json): string {
  let text = JSON.stringify(body);
  for (const [marker, deep] of Object.entries(VERY_DEEP_TEXT)) text = text.replace(marker, deep);
  return text;
}

/** One named way to break the value at a path; `undefined` from `apply` removes the field. */
export interface Mutation {
  name: string;
  apply(current: Json, key: string | number | undefined): Json | undefined;
}

export const MUTATIONS: Mutation[] = [
  { name: "null", apply: () => null },
  { name: "zero", apply: () => 0 },
  { name: "negative", apply: () => -1 },
  { name: "fraction", apply: () => 1.5 },
  { name: "huge-number", apply: () => 1e308 },
  { name: "huge-integer", apply: () => 2 ** 64 },
  { name: "true", apply: () => true },
  { name: "false", apply: () => false },
  { name: "empty-string", apply: () => "" },
  { name: "string", apply: () => "x" },
  { name: "nan-string", apply: () => "NaN" },
  { name: "infinity-string", apply: () => "-Infinity" },
  { name: "lone-surrogate", apply: () => "a\ud800b" },
  { name: "empty-array", apply: () => [] },
  { name: "array-of-null", apply: () => [null] },
  { name: "array-of-number", apply: () => [7] },
  { name: "empty-object", apply: () => ({}) },
  { name: "deep-array", apply: () => nested(200, "deep", true) },
  { name: "deep-object", apply: () => nested(200, "deep", false) },
  // Far past the gateway's depth limit; written into the JSON text after stringify (see VERY_DEEP).
  { name: "very-deep", apply: () => VERY_DEEP },
  { name: "very-deep-object", apply: () => VERY_DEEP_OBJECT },
  { name: "wrap-in-array", apply: (current) => [current] },
  { name: "stringify", apply: (current) => JSON.stringify(current) },
  { name: "remove", apply: () => undefined },
  { name: "unknown-word", apply: (current, key) => (key === "role" || key === "type" || typeof current === "string" ? "zzz_unknown" : "zzz_unknown") },
  { name: "duplicate-items", apply: (current) => (Array.isArray(current) && current.length > 0 ? [...current, ...current] : [current, current]) },
  { name: "invalid-base64", apply: () => "!!not*base64%%" },
  { name: "data-url-bad-base64", apply: () => "data:image/png;base64,!!!" },
];

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** `body` with the value at `path` replaced by `mutation` (a removed member, or an array item set to null). */
export function mutateAt(body: Json, path: JsonPath, mutation: Mutation): Json {
  if (path.length === 0) return mutation.apply(body, undefined) ?? null;
  const copy = clone(body);
  let parent: any = copy;
  for (const step of path.slice(0, -1)) parent = parent[step];
  const key = path.at(-1)!;
  const next = mutation.apply(parent[key], key);
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else parent[key] = next;
  return copy;
}

/** One fuzz case: a name that says what was done, and the body (JSON text, or raw bytes). */
export interface FuzzCase {
  name: string;
  body: string | Uint8Array<ArrayBuffer>;
}

/**
 * `perPath` mutations at each path of `seedBody` (the `model` field kept, so the case reaches the
 * route it was written for), chosen by the seeded generator; `share` of the paths (all by
 * default) are taken, so a guard run stays short while a search (share 1, more per path) is thorough.
 */
export function casesFor(label: string, seedBody: Json, random: () => number, perPath: number, share = 1): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const path of pathsOf(seedBody)) {
    if (path.length === 1 && path[0] === "model") continue;
    if (random() >= share) continue;
    for (let n = 0; n < perPath; n += 1) {
      const mutation = MUTATIONS[Math.floor(random() * MUTATIONS.length)]!;
      cases.push({ name: `${label} ${path.join(".") || "<root>"} ${mutation.name}`, body: caseText(mutateAt(seedBody, path, mutation)) });
    }
  }
  return cases;
}

/**
 * `count` cases with two mutations at once, at two paths chosen by the seeded generator (the
 * second on the body the first left; a path gone by then is skipped): wrong things that only
 * meet each other here, like a removed tool definition and a mistyped call to it.
 */
export function pairCasesFor(label: string, seedBody: Json, random: () => number, count: number): FuzzCase[] {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const cases: FuzzCase[] = [];
  for (let n = 0; n < count; n += 1) {
    const first = pick(pathsOf(seedBody).filter((path) => path.length > 0 && path[0] !== "model"));
    const firstMutation = pick(MUTATIONS);
    const once = mutateAt(seedBody, first, firstMutation);
    const second = pick(pathsOf(once).filter((path) => path.length > 0 && path[0] !== "model"));
    if (!second) continue;
    const secondMutation = pick(MUTATIONS);
    cases.push({ name: `${label} ${first.join(".")} ${firstMutation.name} + ${second.join(".")} ${secondMutation.name}`, body: caseText(mutateAt(once, second, secondMutation)) });
  }
  return cases;
}

/** Bodies that are not objects at all, or not text: the same for every endpoint. */
export function envelopeCases(model: string): FuzzCase[] {
  const invalidUtf8 = new Uint8Array([...new TextEncoder().encode(`{"model":"${model}","x":"`), 0xff, 0xfe, 0xc3, ...new TextEncoder().encode('"}')]);
  return [
    { name: "array body", body: JSON.stringify([{ model }]) },
    { name: "bare string body", body: JSON.stringify("hello") },
    { name: "number body", body: "42" },
    { name: "null body", body: "null" },
    { name: "empty body", body: "" },
    { name: "model only", body: JSON.stringify({ model }) },
    { name: "model a number", body: JSON.stringify({ model: 5 }) },
    { name: "invalid utf-8 in a string", body: invalidUtf8 },
    { name: "lone surrogate escape", body: `{"model":"${model}","messages":[{"role":"user","content":"\\udc00"}],"input":"\\ud800","max_tokens":5}` },
    { name: "duplicate keys", body: `{"model":"${model}","model":"${model}","max_tokens":5,"max_tokens":"x"}` },
  ];
}
