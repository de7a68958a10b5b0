/**
 * The bad-input fuzzer (bad-input-fuzz.test.ts) through each provider dialect: Chat Completions
 * hosts whose dialect patches the request (DeepSeek, Groq, Mistral, OpenRouter, Gemini, xAI), and
 * Anthropic-compatible hosts with their compatibility profile (DeepSeek, Kimi, GLM, Qwen), for
 * clients of each protocol. The dialect code reads the request after the decoders; a wrong value
 * the decoders let through must not crash it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { casesFor, envelopeCases, pairCasesFor, seededRandom } from "../support/bad-input-mutations";
import { badInputChecker } from "../support/bad-input-checks";
import { anthropicSeeds, chatSeeds, responsesSeeds } from "../support/bad-input-seeds";

const CHAT_DIALECTS = ["deepseek", "groq", "mistral", "openrouter", "gemini", "xai"] as const;
const ANTHROPIC_PROFILES = ["deepseek", "kimi", "glm", "qwen"] as const;

let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  const env: Record<string, string> = {};
  for (const dialect of CHAT_DIALECTS) {
    const name = `D${dialect.toUpperCase()}`;
    Object.assign(env, {
      [`TOKLIGENCE_PROVIDERS__${name}__KIND`]: "openai-compatible",
      [`TOKLIGENCE_PROVIDERS__${name}__BASE_URL`]: mock.openaiBaseUrl,
      [`TOKLIGENCE_PROVIDERS__${name}__API_KEYS`]: "sk-chatty-1",
      [`TOKLIGENCE_PROVIDERS__${name}__DIALECT`]: dialect,
      [`TOKLIGENCE_PROVIDERS__${name}__MODELS`]: `chat-${dialect}*`,
    });
  }
  for (const profile of ANTHROPIC_PROFILES) {
    const name = `A${profile.toUpperCase()}`;
    Object.assign(env, {
      [`TOKLIGENCE_PROVIDERS__${name}__KIND`]: "anthropic",
      [`TOKLIGENCE_PROVIDERS__${name}__BASE_URL`]: mock.url,
      [`TOKLIGENCE_PROVIDERS__${name}__API_KEYS`]: "sk-chatty-1",
      [`TOKLIGENCE_PROVIDERS__${name}__ANTHROPIC_COMPAT`]: profile,
      [`TOKLIGENCE_PROVIDERS__${name}__MODELS`]: `ant-${profile}*`,
    });
  }
  gw = await startTestGateway(mock, env);
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const PER_PATH = Number(process.env.FUZZ_PER_PATH ?? 1);
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0);
/** A smaller share than the main fuzzer's: ten providers times three client protocols. */
const SHARE = Number(process.env.FUZZ_SHARE ?? 0.12);
const PAIRS = Math.ceil(10 * SHARE * PER_PATH);
const run = badInputChecker(() => gw);

const CLIENTS = [
  { path: "/v1/chat/completions", anthropic: false, seeds: chatSeeds },
  { path: "/v1/responses", anthropic: false, seeds: responsesSeeds },
  { path: "/v1/messages", anthropic: true, seeds: (model: string) => anthropicSeeds(model, false) },
];

describe("bad input through each provider dialect gets a catalogued error in the caller's shape", () => {
  const models = [...CHAT_DIALECTS.map((dialect) => `chat-${dialect}-m`), ...ANTHROPIC_PROFILES.map((profile) => `ant-${profile}-m`)];
  for (const [row, model] of models.entries()) {
    test(`${model}`, async () => {
      const problems: string[] = [];
      for (const [column, { path, anthropic, seeds }] of CLIENTS.entries()) {
        const bodies = seeds(model);
        const random = seededRandom(9000 + 10 * row + column + FUZZ_SEED);
        problems.push(...(await run(path, anthropic, bodies.map((body, index) => ({ name: `${path} valid seed #${index}`, body: JSON.stringify(body) })))));
        const cases = [...envelopeCases(model), ...bodies.flatMap((body, index) => [...casesFor(`${path} ${model}#${index}`, body, random, PER_PATH, SHARE), ...pairCasesFor(`${path} ${model}#${index}`, body, random, PAIRS)])];
        problems.push(...(await run(path, anthropic, cases)));
      }
      expect(problems).toEqual([]);
    }, 30_000 * Math.max(2, PER_PATH));
  }
});
