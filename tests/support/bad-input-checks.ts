/**
 * The checks the bad-input fuzzers (tests/http/bad-input-fuzz*.test.ts) make of every answer:
 * 2xx, or a 4xx from the error catalogue in the caller's error shape with a message (never a 5xx:
 * the mock upstream there never fails), no provider key and no JavaScript exception text in it,
 * no error inside a 2xx stream, one ledger row with the answer's status, and a healthy gateway.
 */
import type { FuzzCase } from "./bad-input-mutations";
import type { TestGateway } from "./gateway-harness";

const SECRETS = ["sk-test-openai-key-123456", "sk-ant-test-key-123456", "sk-chatty-1", "sk-resp-1"];
const CATALOGUE_4XX = new Set([400, 404, 409, 413, 415, 422]);
/** Words of JavaScript's own exceptions: in an answer, a crash that was caught but not understood. */
const LEAKED_EXCEPTIONS = ["Cannot read properties", "is not a function", "is not iterable", "undefined is not", "null is not", "Maximum call stack", "is not an object", "Invalid string length", "RangeError", "TypeError"];

/** A 2xx answer's own further check (a background run's end, say): a problem, or undefined. */
export type AfterSuccess = (text: string) => Promise<string | undefined>;

export function badInputChecker(gw: () => TestGateway) {
  let caseNumber = 0;
  let scanned = 0;
  const rows = new Map<string, { status: number; errorCode: string | null }>();

  /** The ledger row of a request: streams record theirs as they end, so wait a moment for it (long only when it is missing). */
  async function ledgerRowFor(requestId: string) {
    for (let waited = 0; waited < 3000; waited += 5) {
      const entries = gw().ledger.entries;
      for (; scanned < entries.length; scanned += 1) if (entries[scanned]!.clientRequestId) rows.set(entries[scanned]!.clientRequestId!, entries[scanned]!);
      const row = rows.get(requestId);
      if (row) return row;
      await Bun.sleep(5);
    }
    return undefined;
  }

  /** What is wrong with the gateway's answer to one case, or undefined when it is right. */
  async function problemWith(path: string, anthropicShape: boolean, fuzz: FuzzCase, afterSuccess?: AfterSuccess): Promise<string | undefined> {
    const requestId = `fuzz-${++caseNumber}`;
    const response = await fetch(`${gw().url}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": requestId }, body: fuzz.body });
    const text = await response.text();
    if (process.env.FUZZ_TRACE) console.log("TRACE", path, response.status, fuzz.name, text.slice(0, 200).replace(/\n/g, " "));
    const excerpt = `${response.status} ${text.slice(0, 300)}`;
    for (const secret of SECRETS) if (text.includes(secret)) return `echoes a provider key: ${excerpt}`;
    if (text.includes("internal gateway error") || text.includes("internal_error")) return `internal error: ${excerpt}`;
    for (const leak of LEAKED_EXCEPTIONS) if (text.includes(leak)) return `a JavaScript exception reached the client: ${excerpt}`;
    if (response.status >= 200 && response.status < 300) {
      if (/^event: error$|"type":"error"|"type":"response.failed"/m.test(text)) return `an error inside a 2xx answer: ${excerpt}`;
      // A background run writes its row when it ends: follow it there first.
      const afterwards = await afterSuccess?.(text);
      if (afterwards) return afterwards;
      if (!(await ledgerRowFor(requestId))) return `no ledger row for a ${response.status}`;
      return undefined;
    }
    if (!CATALOGUE_4XX.has(response.status)) return `status outside the catalogue: ${excerpt}`;
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return `error body is not JSON: ${excerpt}`;
    }
    if (anthropicShape) {
      if (body?.type !== "error" || typeof body.error?.type !== "string" || typeof body.error?.message !== "string" || body.error.message === "") return `not the Anthropic error shape: ${excerpt}`;
    } else {
      const error = body?.error;
      const keys = error && typeof error === "object" ? Object.keys(error).sort().join(",") : "";
      if (keys !== "code,message,param,type" || typeof error.message !== "string" || error.message === "") return `not the OpenAI error shape: ${excerpt}`;
    }
    const row = await ledgerRowFor(requestId);
    if (!row) return `no ledger row for a refused request: ${excerpt}`;
    if (row.errorCode === null || row.status !== response.status) return `ledger row says ${row.status}/${row.errorCode}: ${excerpt}`;
    return undefined;
  }

  /** Every problem of `cases` on `path`, named by case, then the gateway's health. */
  return async function run(path: string, anthropicShape: boolean, cases: FuzzCase[], afterSuccess?: AfterSuccess): Promise<string[]> {
    const problems: string[] = [];
    for (const fuzz of cases) {
      const problem = await problemWith(path, anthropicShape, fuzz, afterSuccess);
      if (problem) problems.push(`${fuzz.name}: ${problem}`);
    }
    const health = await fetch(`${gw().url}/health`);
    if (health.status !== 200) problems.push(`gateway unhealthy after ${path}: ${health.status}`);
    return problems;
  };
}
