/**
 * Optional request fields an OpenAI-compatible server refuses, learned from its 400 and left out
 * from then on.
 *
 * A translated Chat request carries fields the gateway chose for the client: `reasoning_effort`
 * from Claude Code's thinking (which it always sends), `stream_options` for exact usage, `user`
 * from Claude Code's `metadata.user_id`. Many servers refuse one of them, and with it the whole
 * request, so every turn of the agent fails: Ollama for a model without thinking (`"llama3.1:8b"
 * does not support thinking`), xAI for its Grok 4 models (`does not support parameter
 * reasoningEffort`), Groq for models without reasoning, Mistral for anything it does not know
 * (422 `extra_forbidden`), Gemini likewise (`Unknown name "store": Cannot find field`). Each of
 * these fields only refines the answer, so when the refusal names one, the request goes again
 * at once without it (before anything reaches the client), and that provider's model gets it no
 * more until the gateway restarts. The fields a client asks for by meaning (stop sequences, log
 * probabilities, a response format) are never dropped: their refusal reaches the client.
 */

/**
 * Fields a Chat request can go without: each refines the answer, none changes what it is
 * (`thinking`: the toggle the DeepSeek dialect sends, dialects/deepseek-thinking.ts).
 */
export const DROPPABLE_CHAT_FIELDS: readonly string[] = ["reasoning_effort", "stream_options", "user", "seed", "service_tier", "parallel_tool_calls", "presence_penalty", "frequency_penalty", "thinking", "prompt_cache_key", "verbosity"];

/** Provider and model pairs remembered (model names come from clients through pattern routes). */
const MAX_REMEMBERED = 1024;
/** Refused values remembered per provider and model (values come from clients). */
const MAX_VALUES_PER_MODEL = 64;
/**
 * The longest refused value remembered, as JSON: a level or tier is a word, and a client's
 * `reasoning_effort` goes through as it sent it (up to the body limit), so without this bound
 * MAX_REMEMBERED × MAX_VALUES_PER_MODEL entries could each hold megabytes.
 */
export const MAX_REMEMBERED_VALUE_LENGTH = 64;

/**
 * The fields each provider's model refused, the largest output cap it takes
 * (output-cap-refusals.ts) and its context window (context-window-refusals.ts), in this process (owned by the composition root).
 */
export class RefusedFields {
  private readonly refused = new Map<string, Set<string>>();
  private readonly caps = new Map<string, number>();
  private readonly windows = new Map<string, number>();

  /** The output cap `provider` said `model` takes at most, if it said so. */
  outputCapFor(provider: string, model: string): number | undefined {
    return this.caps.get(key(provider, model));
  }

  /** Remember a model's largest output cap; true the first time (the one worth a warning). */
  rememberOutputCap(provider: string, model: string, cap: number): boolean {
    return rememberSmaller(this.caps, key(provider, model), cap);
  }

  /** The context window `provider` said `model` has, if a refusal said so (context-window-refusals.ts). */
  contextWindowFor(provider: string, model: string): number | undefined {
    return this.windows.get(key(provider, model));
  }

  /** Remember a model's context window from a refusal; true when it is new or smaller than the one known. */
  rememberContextWindow(provider: string, model: string, window: number): boolean {
    return rememberSmaller(this.windows, key(provider, model), window);
  }

  /** Whether `provider` refused `field` for `model` (any value), or, with `value`, that value of it. */
  refuses(provider: string, model: string, field: string, value?: unknown): boolean {
    return this.refusalsFor(provider, model)?.(field, value) ?? false;
  }

  /** What `provider` refused for `model` as a test per field (one lookup per request); undefined: nothing. */
  refusalsFor(provider: string, model: string): ((field: string, value?: unknown) => boolean) | undefined {
    const fields = this.refused.get(key(provider, model));
    if (!fields) return undefined;
    return (field, value) => fields.has(field) || (value !== undefined && fields.has(valueKey(field, value)));
  }

  /**
   * Remember a refusal of `field`, or with `value` only of that value (OpenAI's "'reasoning_effort'
   * does not support 'xhigh'": 'high' is still taken); true the first time (the one worth a warning).
   */
  remember(provider: string, model: string, field: string, value?: unknown): boolean {
    const id = key(provider, model);
    let fields = this.refused.get(id);
    if (!fields) {
      if (this.refused.size >= MAX_REMEMBERED) this.refused.clear();
      fields = new Set();
      this.refused.set(id, fields);
    }
    if (value !== undefined && JSON.stringify(value).length > MAX_REMEMBERED_VALUE_LENGTH) return false;
    const entry = value === undefined ? field : valueKey(field, value);
    if (fields.has(field) || fields.has(entry)) return false;
    // Values come from clients: past the bound they are left out per request, not remembered.
    if (value !== undefined && fields.size >= MAX_VALUES_PER_MODEL) return false;
    fields.add(entry);
    return true;
  }
}

/** A limit a provider named, kept when it is the first or lower than the one known (a limit only ever tightens); true when kept. */
function rememberSmaller(limits: Map<string, number>, id: string, limit: number): boolean {
  const known = limits.get(id);
  if (known !== undefined && known <= limit) return false;
  if (limits.size >= MAX_REMEMBERED) limits.clear();
  limits.set(id, limit);
  return true;
}

function key(provider: string, model: string): string {
  return `${provider}\u0000${model}`;
}

function valueKey(field: string, value: unknown): string {
  return `${field}\u0000${JSON.stringify(value)}`;
}

/**
 * Whether a refusal of `field` is of the value sent rather than of the field, in the words that
 * say so: OpenAI's "'reasoning_effort' does not support 'xhigh'" ("… does not support 0.5" for a
 * number), Ollama's `think value "medium" is not supported`. The field itself is then still taken
 * with other values. A body that merely quotes the value (pydantic's `"input": "high"` beside
 * extra_forbidden) refuses the field.
 */
export function refusesOnlyValue(errorText: string, field: string, value: unknown): boolean {
  const q = `\\\\?["'\`]`;
  const named = `${q}(?:${field}|${camelCase(field)})${q}\\s+does\\s+not\\s+support\\s+`;
  if (typeof value === "string" && value !== "") {
    const quoted = `${q}${escapeRegExp(value)}${q}`;
    return new RegExp(`${named}${quoted}`, "i").test(errorText) || (field === "reasoning_effort" && refusesThinkingLevel(errorText, value));
  }
  if (typeof value === "number") return new RegExp(`${named}${escapeRegExp(String(value))}(?![\\w.])`, "i").test(errorText);
  return false;
}

/**
 * A thinking level refused in words that name it unquoted or by Ollama's quote: Ollama's `think
 * value "medium" is not supported`, Gemini's OpenAI endpoint's "Invalid reasoning_effort: minimal.
 * Valid values are: …" and "Thinking level MEDIUM is not supported for this model" (Gemini 3 Pro).
 */
function refusesThinkingLevel(errorText: string, level: string): boolean {
  const q = `\\\\?["'\`]`;
  const value = escapeRegExp(level);
  return [`think value\\s+${q}${value}${q}`, `invalid reasoning_effort:\\s*${value}(?![\\w-])`, `thinking level\\s+${value}\\s+is not supported`].some((pattern) => new RegExp(pattern, "i").test(errorText));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Words with which servers say a field is not for them. */
const REFUSAL = /unsupported|not supported|does not support|unknown name|unrecognized|not permitted|not allowed|extra inputs|extra_forbidden|cannot find field|invalid/i;

/**
 * The fields among `candidates` (those the request holds and may go without) that an upstream's
 * error text names as refused; [] when it names none. The text is the raw body, so quotes may
 * arrive escaped (`\"user\"`) and names in camelCase (`reasoningEffort`, xAI).
 */
export function findRefusedFields(errorText: string, candidates: readonly string[]): string[] {
  if (!REFUSAL.test(errorText)) return [];
  return candidates.filter((field) => namesField(errorText, field) || (field === "reasoning_effort" && refusesThinking(errorText)));
}

/** Ollama refuses thinking itself for a model without it, or the level asked for; Gemini the level. */
function refusesThinking(text: string): boolean {
  return /does not support (?:thinking|reasoning)|think value\b|invalid reasoning_effort:|thinking level \w+ is not supported/i.test(text);
}

function namesField(text: string, field: string): boolean {
  return [field, camelCase(field)].some((name) => fieldPatterns(name).some((pattern) => pattern.test(text)));
}

function fieldPatterns(name: string): RegExp[] {
  const q = `\\\\?["'\`]`; // a quote, maybe escaped inside a JSON string
  const n = `(?<![\\w.])${name}(?!\\w)`;
  return [
    // Gemini: a top-level field (a nested one says "at '<path>'" before the colon).
    new RegExp(`unknown name ${q}${name}${q}\\s*:`, "i"),
    // Groq "property 'x' is unsupported", xAI "does not support parameter x", OpenAI
    // "Unsupported parameter: 'x'", "Unrecognized request argument supplied: x". Not the word
    // as a JSON key: OpenAI's `"param": "x"` names the field of any error, a refused *value*
    // too ("Invalid value: 'fast'", a `user` over 64 characters), where the field is not refused.
    new RegExp(`\\b(?:property|parameter|argument|field|param)s?\\b(?!\\\\?["']\\s*:)[^.\\n]{0,12}?${n}`, "i"),
    // "'x' is not supported with this model", "'x' does not support 'minimal'".
    new RegExp(`${q}${name}${q}\\s+(?:is|are)\\s+(?:not\\s+supported|unsupported|not\\s+allowed|not\\s+permitted|invalid)`, "i"),
    new RegExp(`${q}${name}${q}\\s+does\\s+not\\s+support`, "i"),
    // Pydantic (Mistral, FastAPI servers): {"type":"extra_forbidden","loc":["body","x",…]}.
    new RegExp(`${q}loc${q}\\s*:\\s*\\[\\s*${q}body${q}\\s*,\\s*${q}${name}${q}`, "i"),
  ];
}

function camelCase(field: string): string {
  return field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
