/**
 * A seeded structural fuzzer over every model endpoint, on native and translated routes: valid
 * bodies of each protocol (tests/support/bad-input-seeds.ts) mutated at every path
 * (tests/support/bad-input-mutations.ts). Whatever the input, the gateway answers 2xx or a 4xx
 * from its catalogue in the caller's error shape with a message, never a 5xx (the mock upstream
 * here never fails), never echoes a provider key, records one ledger row per request, and stays
 * healthy. Deterministic: a failure names its case, and the same seed reproduces it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { casesFor, envelopeCases, type FuzzCase, pairCasesFor, seededRandom } from "../support/bad-input-mutations";
import { badInputChecker } from "../support/bad-input-checks";
import { anthropicSeeds, chatSeeds, conversationEdgeCases, embeddingsSeeds, responsesSeeds } from "../support/bad-input-seeds";

let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, {
    // xgpt* goes to Anthropic and xclaude* to OpenAI: the translated routes of each client protocol.
    TOKLIGENCE_ROUTES: "xgpt*=>anthropic,xclaude*=>openai",
    ...chatOnlyProviderEnv(mock.openaiBaseUrl),
    ...responsesOnlyProviderEnv(mock.openaiBaseUrl),
  });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

/** Mutations per path: raise it (FUZZ_PER_PATH) to search harder. */
const PER_PATH = Number(process.env.FUZZ_PER_PATH ?? 1);
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0);
/** The share of paths mutated (and pairs per seed): a third keeps the guard run short; a search sets FUZZ_SHARE=1. */
const SHARE = Number(process.env.FUZZ_SHARE ?? 0.35);
const PAIRS = Math.ceil(10 * SHARE * PER_PATH);
const run = badInputChecker(() => gw);

function fuzzCases(label: string, seeds: any[], seed: number): FuzzCase[] {
  const random = seededRandom(seed);
  return [
    ...envelopeCases(seeds[0].model),
    ...seeds.flatMap((body, index) => [...casesFor(`${label}#${index}`, body, random, PER_PATH, SHARE), ...pairCasesFor(`${label}#${index}`, body, random, PAIRS)]),
  ];
}

/** Each endpoint with the models of its native and translated routes. */
const MATRIX: Array<{ path: string; anthropic: boolean; models: string[]; seeds: (model: string) => any[]; edges?: "chat" | "responses" | "anthropic" }> = [
  { path: "/v1/chat/completions", anthropic: false, models: ["gpt-4.1", "xgpt-4.1", "resp-model", "loopback"], seeds: chatSeeds, edges: "chat" },
  { path: "/v1/responses", anthropic: false, models: ["gpt-4.1", "xgpt-4.1", "chat-model", "loopback"], seeds: responsesSeeds, edges: "responses" },
  { path: "/v1/responses/input_tokens", anthropic: false, models: ["gpt-4.1", "xgpt-4.1", "chat-model"], seeds: responsesSeeds, edges: "responses" },
  // Native compaction is OpenAI's own endpoint, which the mock does not serve.
  { path: "/v1/responses/compact", anthropic: false, models: ["xgpt-4.1", "chat-model"], seeds: responsesSeeds },
  { path: "/v1/embeddings", anthropic: false, models: ["text-embedding-3-small", "chat-model", "xgpt-embed"], seeds: embeddingsSeeds },
  { path: "/v1/messages", anthropic: true, models: ["claude-sonnet-4-5", "xclaude-sonnet", "chat-model", "resp-model", "loopback"], seeds: (model) => anthropicSeeds(model, false), edges: "anthropic" },
  { path: "/anthropic/v1/messages", anthropic: true, models: ["claude-sonnet-4-5", "xclaude-sonnet"], seeds: (model) => anthropicSeeds(model, false), edges: "anthropic" },
  { path: "/v1/messages/count_tokens", anthropic: true, models: ["claude-sonnet-4-5", "chat-model", "resp-model"], seeds: (model) => anthropicSeeds(model, true) },
];

describe("bad input on every model endpoint gets a catalogued error in the caller's shape", () => {
  for (const [row, { path, anthropic, models, seeds, edges }] of MATRIX.entries()) {
    for (const [column, model] of models.entries()) {
      test(`${path} on ${model}`, async () => {
        const valid = await run(path, anthropic, seeds(model).map((body, index) => ({ name: `valid seed #${index}`, body: JSON.stringify(body) })));
        const fuzzed = await run(path, anthropic, fuzzCases(`${path} ${model}`, seeds(model), 1000 * row + column + 1 + FUZZ_SEED));
        const edgeCases = edges ? conversationEdgeCases(edges, model).map((body, index) => ({ name: `${edges} conversation edge #${index}`, body: JSON.stringify(body) })) : [];
        const odd = await run(path, anthropic, edgeCases);
        expect([...valid, ...fuzzed, ...odd]).toEqual([]);
      }, 15_000 * Math.max(2, PER_PATH));
    }
  }
});
