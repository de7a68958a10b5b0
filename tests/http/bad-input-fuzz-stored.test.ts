/**
 * The bad-input fuzzer (bad-input-fuzz.test.ts) on the Responses features that need the gateway's
 * response store: previous_response_id chains, item references, background runs (followed to
 * their end: a run that fails inside the gateway is as wrong as a 500), and compaction over a
 * stored history. Same checks, same determinism.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv } from "../support/gateway-harness";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";
import { casesFor, envelopeCases, pairCasesFor, seededRandom } from "../support/bad-input-mutations";
import { badInputChecker } from "../support/bad-input-checks";

let setup: StoringGateway;
beforeAll(async () => {
  setup = await startStoringGateway("gw-fuzz-stored-", (mock) => ({ TOKLIGENCE_ROUTES: "xgpt*=>anthropic", ...chatOnlyProviderEnv(mock.openaiBaseUrl) }));
});
afterAll(() => setup.stop());

const PER_PATH = Number(process.env.FUZZ_PER_PATH ?? 1);
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0);
/** The share of paths mutated (and pairs per seed): a third keeps the guard run short; a search sets FUZZ_SHARE=1. */
const SHARE = Number(process.env.FUZZ_SHARE ?? 0.35);
const PAIRS = Math.ceil(10 * SHARE * PER_PATH);
const run = badInputChecker(() => setup.gw);
const TERMINAL = new Set(["completed", "incomplete", "failed", "cancelled"]);

/** A queued background run followed until it ends: it must not end in the gateway's own failure. */
async function backgroundRunEnd(text: string): Promise<string | undefined> {
  let response: any;
  try {
    response = JSON.parse(text);
  } catch {
    return undefined; // a stream: its events were checked as they came
  }
  if (response?.background !== true || typeof response.id !== "string") return undefined;
  for (let waited = 0; waited < 3000 && !TERMINAL.has(response.status); waited += 10) {
    await Bun.sleep(10);
    response = await (await fetch(`${setup.gw.url}/v1/responses/${response.id}`)).json();
  }
  if (!TERMINAL.has(response.status)) return `background run ${response.id} never ended (${response.status})`;
  if (response.status === "failed" && /internal|TypeError|Cannot read/.test(JSON.stringify(response.error))) return `background run failed inside the gateway: ${JSON.stringify(response.error)}`;
  return undefined;
}

/** A stored response of `model` to chain from: its id and its output message's id. */
async function storedTurn(model: string): Promise<{ id: string; messageId: string }> {
  const answer = (await (await fetch(`${setup.gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, input: "first", store: true }) })).json()) as any;
  return { id: answer.id, messageId: answer.output.find((item: any) => item.type === "message").id };
}

function storedSeeds(model: string, turn: { id: string; messageId: string }): any[] {
  return [
    { model, store: true, previous_response_id: turn.id, input: [{ role: "user", content: [{ type: "input_text", text: "next" }] }] },
    { model, store: true, input: [{ type: "item_reference", id: turn.messageId }, { role: "user", content: "more" }] },
    { model, store: true, background: true, input: [{ role: "user", content: "in the background" }], max_output_tokens: 64 },
    { model, store: true, background: true, stream: true, input: "streamed in the background" },
    { model, store: true, previous_response_id: turn.id, context_management: [{ type: "compaction", compact_threshold: 100000 }], input: "go on" },
  ];
}

describe("bad input on the stored Responses features gets a catalogued error in OpenAI's shape", () => {
  for (const [column, model] of ["xgpt-4.1", "chat-model", "loopback"].entries()) {
    test(`/v1/responses on ${model}`, async () => {
      const turn = await storedTurn(model);
      const seeds = storedSeeds(model, turn);
      const valid = await run("/v1/responses", false, seeds.map((body, index) => ({ name: `valid seed #${index}`, body: JSON.stringify(body) })), backgroundRunEnd);
      const random = seededRandom(5000 + column + FUZZ_SEED);
      const cases = [...envelopeCases(model), ...seeds.flatMap((body, index) => [...casesFor(`${model}#${index}`, body, random, PER_PATH, SHARE), ...pairCasesFor(`${model}#${index}`, body, random, PAIRS)])];
      const fuzzed = await run("/v1/responses", false, cases, backgroundRunEnd);
      expect([...valid, ...fuzzed]).toEqual([]);
    }, 30_000 * Math.max(2, PER_PATH));
  }
});
