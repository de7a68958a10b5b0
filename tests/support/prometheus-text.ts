/**
 * A strict reader of Prometheus's text exposition format 0.0.4, written from the format's
 * description rather than from our renderer, so the tests check the renderer against the format:
 * every line is a HELP, a TYPE or a well-formed sample; HELP and TYPE come before their
 * metric's samples; a metric's samples are not interleaved with another's; no sample repeats;
 * histogram buckets are cumulative, end with +Inf and that bucket equals _count.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family → its TYPE. */
  types: Map<string, string>;
  helps: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, line: string): number {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!FLOAT.test(text)) throw new Error(`bad sample value ${JSON.stringify(text)} in: ${line}`);
  return Number(text);
}

/** `a="x",b="y\"z"` → labels; only \\, \" and \n escapes are allowed. */
function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let index = 0;
  while (index < text.length) {
    const eq = text.indexOf("=", index);
    if (eq < 0) throw new Error(`label without '=' in: ${line}`);
    const name = text.slice(index, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name ${JSON.stringify(name)} in: ${line}`);
    if (name in labels) throw new Error(`label ${name} repeated in: ${line}`);
    if (text[eq + 1] !== '"') throw new Error(`label value not quoted in: ${line}`);
    let value = "";
    let cursor = eq + 2;
    for (;;) {
      const char = text[cursor];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (char === "\n") throw new Error(`raw line feed in a label value: ${line}`);
      if (char === '"') break;
      if (char === "\\") {
        const next = text[cursor + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`bad escape \\${next} in: ${line}`);
        cursor += 2;
        continue;
      }
      value += char;
      cursor += 1;
    }
    labels[name] = value;
    index = cursor + 1;
    if (index < text.length) {
      if (text[index] !== ",") throw new Error(`expected ',' between labels in: ${line}`);
      index += 1;
    }
  }
  return labels;
}

/** The family a sample belongs to (a histogram's _bucket/_sum/_count belong to it). */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (types.get(base) === "histogram") return base;
    }
  }
  return name;
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("the document must end with a line feed");
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const seenSamples = new Set<string>();
  const closedFamilies = new Set<string>();
  let currentFamily: string | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") throw new Error("empty line inside the document");
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) ([^ ]+) (.*)$/.exec(line);
      if (!match) throw new Error(`a comment that is neither HELP nor TYPE: ${line}`);
      const [, kind, name, rest] = match as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (seenSamples.has(name) || samples.some((sample) => familyOf(sample.name, types) === name)) throw new Error(`${kind} after samples of ${name}`);
      if (kind === "TYPE") {
        if (types.has(name)) throw new Error(`TYPE of ${name} twice`);
        if (!TYPES.has(rest)) throw new Error(`unknown type in: ${line}`);
        types.set(name, rest);
      } else {
        if (helps.has(name)) throw new Error(`HELP of ${name} twice`);
        if (/\\[^\\n]/.test(rest.replaceAll("\\\\", ""))) throw new Error(`bad escape in HELP: ${line}`);
        helps.set(name, rest);
      }
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    const labels = labelText === undefined ? {} : parseLabels(labelText, line);
    const family = familyOf(name, types);
    if (!types.has(family) || !helps.has(family)) throw new Error(`sample of ${family} without HELP and TYPE before it`);
    if (family !== currentFamily) {
      if (closedFamilies.has(family)) throw new Error(`samples of ${family} are interleaved with another metric's`);
      if (currentFamily !== undefined) closedFamilies.add(currentFamily);
      currentFamily = family;
    }
    const identity = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSamples.has(identity)) throw new Error(`sample repeated: ${line}`);
    seenSamples.add(identity);
    samples.push({ name, labels, value: parseValue(valueText, line) });
  }
  checkHistograms(samples, types);
  return { samples, types, helps };
}

function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const groups = new Map<string, { buckets: Array<{ le: number; value: number }>; count?: number; sum?: number }>();
    const groupOf = (labels: Record<string, string>) => {
      const { le: _le, ...rest } = labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { buckets: [] }));
      return group;
    };
    for (const sample of samples) {
      if (sample.name === `${family}_bucket`) {
        if (sample.labels.le === undefined) throw new Error(`${family}_bucket without le`);
        groupOf(sample.labels).buckets.push({ le: parseValue(sample.labels.le, sample.labels.le), value: sample.value });
      } else if (sample.name === `${family}_count`) groupOf(sample.labels).count = sample.value;
      else if (sample.name === `${family}_sum`) groupOf(sample.labels).sum = sample.value;
    }
    for (const [key, group] of groups) {
      const where = `${family}${key}`;
      if (group.buckets.length === 0 || group.count === undefined || group.sum === undefined) throw new Error(`${where}: buckets, _sum and _count must all be there`);
      for (let index = 1; index < group.buckets.length; index++) {
        if (!(group.buckets[index]!.le > group.buckets[index - 1]!.le)) throw new Error(`${where}: le not ascending`);
        if (group.buckets[index]!.value < group.buckets[index - 1]!.value) throw new Error(`${where}: buckets not cumulative`);
      }
      const last = group.buckets.at(-1)!;
      if (last.le !== Number.POSITIVE_INFINITY) throw new Error(`${where}: the last bucket is not +Inf`);
      if (last.value !== group.count) throw new Error(`${where}: the +Inf bucket (${last.value}) is not _count (${group.count})`);
    }
  }
}

/** The value of the one sample with exactly these labels (undefined when there is none). */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return exposition.samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
}

/** Every sample of a metric (a histogram's: pass its _count or _bucket name). */
export function samplesOf(exposition: Exposition, name: string): Sample[] {
  return exposition.samples.filter((sample) => sample.name === name);
}
