import { loadConfig } from "../../src/config/load";
import type { GatewayConfig } from "../../src/config/types";
import { type GatewayServices, type RunningGateway, startGateway } from "../../src/gateway";
import { MemoryLedgerSink } from "../../src/ledger/memory-sink";
import { createSilentLogger, type Logger } from "../../src/log/logger";
import { afterAll, beforeAll } from "bun:test";
import { type MockUpstream, startMockUpstream } from "./mock-upstream";

export interface TestGateway {
  gateway: RunningGateway;
  url: string;
  ledger: MemoryLedgerSink;
  config: GatewayConfig;
  stop(): Promise<void>;
}

/**
 * An in-process gateway on a free 127.0.0.1 port, configured only through environment-style
 * variables (the same layer users have), with the mock as OpenAI and Anthropic upstream.
 */
export async function startTestGateway(mock: MockUpstream | undefined, env: Record<string, string> = {}, services: GatewayServices = {}, logger: Logger = createSilentLogger()): Promise<TestGateway> {
  const { config } = loadConfig({
    configDir: "/nonexistent-config-dir",
    env: {
      TOKLIGENCE_PORT: "0",
      TOKLIGENCE_HOST: "127.0.0.1",
      TOKLIGENCE_LOG__FILE: "false",
      TOKLIGENCE_DATA_DIR: "/tmp/tokligence-test",
      ...(mock
        ? {
            TOKLIGENCE_OPENAI_API_KEY: "sk-test-openai-key-123456",
            TOKLIGENCE_OPENAI_BASE_URL: mock.openaiBaseUrl,
            TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
            TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
          }
        : {}),
      ...env,
    },
  });
  const ledger = (services.ledger as MemoryLedgerSink | undefined) ?? new MemoryLedgerSink();
  const gateway = startGateway(config, logger, { ...services, ledger });
  return { gateway, url: gateway.url, ledger, config, stop: () => gateway.stop(1000) };
}

/**
 * One mock upstream and one gateway in front of it for a whole test file (started in beforeAll,
 * stopped in afterAll): the set-up most HTTP tests share. Read `mock` and `gw` inside tests.
 * `env` may be a function of the mock, for settings that name its address.
 */
export function useMockedGateway(env: Record<string, string> | ((mock: MockUpstream) => Record<string, string>) = {}): { readonly mock: MockUpstream; readonly gw: TestGateway } {
  const running = {} as { mock: MockUpstream; gw: TestGateway };
  beforeAll(async () => {
    running.mock = await startMockUpstream();
    running.gw = await startTestGateway(running.mock, typeof env === "function" ? env(running.mock) : env);
  });
  afterAll(async () => {
    await running.gw?.stop();
    await running.mock?.stop();
  });
  return running;
}

/** The gateway in multi-port mode, each listener on a free port of its own. */
export function startMultiportGateway(mock: MockUpstream | undefined, env: Record<string, string> = {}): Promise<TestGateway> {
  const freePort = () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = server.port;
    server.stop(true);
    return String(port);
  };
  return startTestGateway(mock, {
    TOKLIGENCE_MULTIPORT_MODE: "true",
    TOKLIGENCE_PORT: freePort(),
    TOKLIGENCE_OPENAI_PORT: freePort(),
    TOKLIGENCE_ANTHROPIC_PORT: freePort(),
    TOKLIGENCE_ADMIN_PORT: freePort(),
    ...env,
  });
}

/** Read an SSE response into parsed events (data JSON parsed when possible). */
export async function readSse(response: Response): Promise<Array<{ event?: string; data: any; raw: string }>> {
  const { SseDecoder } = await import("../../src/streaming/sse-decoder");
  const decoder = new SseDecoder();
  const events: Array<{ event?: string; data: any; raw: string }> = [];
  const reader = response.body!.getReader();
  const push = (list: Array<{ event?: string; data: string }>) => {
    for (const event of list) {
      let data: any = event.data;
      try {
        data = JSON.parse(event.data);
      } catch {}
      events.push({ event: event.event, data, raw: event.data });
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    push(decoder.push(value));
  }
  push(decoder.end());
  return events;
}

/**
 * Environment for a Chat-Completions-only provider ("chatty", `openai-compatible`) on the mock:
 * the models matching `models` are served in Chat protocol, so Responses and Anthropic clients
 * asking for them go through translation.
 */
export function chatOnlyProviderEnv(openaiBaseUrl: string, models = "chat-*"): Record<string, string> {
  return {
    TOKLIGENCE_PROVIDERS__CHATTY__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__CHATTY__BASE_URL: openaiBaseUrl,
    TOKLIGENCE_PROVIDERS__CHATTY__API_KEYS: "sk-chatty-1",
    TOKLIGENCE_PROVIDERS__CHATTY__MODELS: models,
  };
}

/** A provider `resp` that speaks only the Responses API (no Chat Completions), for `models`, at `openaiBaseUrl`. */
export function responsesOnlyProviderEnv(openaiBaseUrl: string, models = "resp-*"): Record<string, string> {
  return {
    TOKLIGENCE_PROVIDERS__RESP__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__RESP__BASE_URL: openaiBaseUrl,
    TOKLIGENCE_PROVIDERS__RESP__API_KEYS: "sk-resp-1",
    TOKLIGENCE_PROVIDERS__RESP__PROTOCOLS: "openai-responses",
    TOKLIGENCE_PROVIDERS__RESP__MODELS: models,
  };
}
