import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { chatOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { mockUsage } from "../support/mock-upstream";

/**
 * CC02 through the gateway: Claude Code's `max_tokens: 1` probe to a provider with
 * `min_output_tokens = 16` reaches it with 16 (instead of the 400 such a provider answers); the
 * client gets the answer trimmed back to about one token with stop_reason max_tokens, streamed or
 * not, and the ledger records what the upstream billed.
 */
const running = useMockedGateway((mock) => {
  mock.setDefaultText("Quota check passed and everything looks fine today");
  return { ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"), TOKLIGENCE_PROVIDERS__CHATTY__MIN_OUTPUT_TOKENS: "16" };
});

const probe = { model: "chat-x", max_tokens: 1, messages: [{ role: "user" as const, content: "quota" }] };

describe("CC02 min_output_tokens", () => {
  for (const stream of [false, true]) {
    test(`${stream ? "streamed" : "non-streamed"} probe: 16 upstream, one token back, max_tokens, ledger billed by the upstream`, async () => {
      const { mock, gw } = running;
      const client = new Anthropic({ baseURL: gw.url, apiKey: "x" });
      const message = stream ? await client.messages.stream(probe).finalMessage() : await client.messages.create(probe);
      expect(mock.requests.at(-1)!.body.max_tokens).toBe(16);
      expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Quota" })]);
      expect(message.stop_reason).toBe("max_tokens");
      const row = gw.ledger.entries.at(-1)!;
      expect(row.usage.outputTokens).toBe(mockUsage.output);
      expect(row.usageEstimated).toBe(false);
    });
  }

  test("a cap at the minimum or above is neither raised nor trimmed", async () => {
    const { mock, gw } = running;
    const client = new Anthropic({ baseURL: gw.url, apiKey: "x" });
    const message = await client.messages.create({ ...probe, max_tokens: 100 });
    expect(mock.requests.at(-1)!.body.max_tokens).toBe(100);
    expect(message.content).toEqual([expect.objectContaining({ text: "Quota check passed and everything looks fine today" })]);
    expect(message.stop_reason).toBe("end_turn");
  });
});
