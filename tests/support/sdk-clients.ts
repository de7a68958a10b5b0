import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { MockUpstream } from "./mock-upstream";

/** The official SDK clients pointed at a gateway, without retries: a test sees each answer as the gateway gave it. */
export function sdkClients(gatewayUrl: string): { anthropic: Anthropic; openai: OpenAI } {
  return {
    anthropic: new Anthropic({ baseURL: gatewayUrl, apiKey: "x", maxRetries: 0 }),
    openai: new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: "x", maxRetries: 0 }),
  };
}

/** What a mock upstream received on its Chat Completions path (not its model listing or others). */
export function chatCompletionRequests(mock: MockUpstream): MockUpstream["requests"] {
  return mock.requests.filter((request) => request.path.endsWith("/chat/completions"));
}
