import { describe, expect, test } from "bun:test";
import pino from "pino";
import { logRequestLine, registerLineDestinations, type RequestLine } from "../../../src/log/access-line";

/** A pino logger writing into an array, like createLogger's but without files. */
function capturingPino(level = "info") {
  const lines: string[] = [];
  const logger = pino({ level, base: { service: "gatewayd" }, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

const lines: RequestLine[] = [
  { requestId: "req_1", route: "/v1/chat/completions", model: "gpt-4o", servedModel: "gpt-4o", provider: "openai", status: 200, stream: false, latencyMs: 12, inputTokens: 10, outputTokens: 3 },
  {
    requestId: "client-\"id\"",
    ledgerRequestId: "req_2",
    route: "/v1/messages",
    model: 'we"ird\\model\u0001 ✓',
    servedModel: null,
    provider: null,
    status: 404,
    errorCode: "model_not_found",
    stream: true,
    latencyMs: 3,
    ttftMs: 1,
    inputTokens: 0,
    outputTokens: 0,
  },
];

describe("request line written directly", () => {
  test("has exactly the fields and values pino writes for the same line (quotes, control characters, optional fields)", () => {
    for (const line of lines) {
      const viaPino = capturingPino();
      logRequestLine(viaPino.logger, line); // not registered: goes through pino
      const direct = capturingPino();
      registerLineDestinations(direct.logger, "gatewayd", [{ minLevel: 30, write: (text) => direct.lines.push(text) }]);
      logRequestLine(direct.logger, line);
      expect(direct.lines).toHaveLength(1);
      expect(direct.lines[0]!.endsWith("}\n")).toBe(true);
      const { time: directTime, ...directFields } = JSON.parse(direct.lines[0]!);
      const { time: pinoTime, pid: _pid, hostname: _hostname, ...pinoFields } = JSON.parse(viaPino.lines[0]!);
      expect(directFields).toEqual(pinoFields);
      expect(Number.isNaN(Date.parse(directTime))).toBe(false);
      expect(typeof pinoTime).toBe("string");
    }
  });

  test("nothing is written below the destination's level or when info is off", () => {
    const quiet = capturingPino("warn");
    const written: string[] = [];
    registerLineDestinations(quiet.logger, "gatewayd", [{ minLevel: 30, write: (text) => written.push(text) }]);
    logRequestLine(quiet.logger, lines[0]!);
    expect(written).toEqual([]);
    const info = capturingPino("info");
    const errorsOnly: string[] = [];
    registerLineDestinations(info.logger, "gatewayd", [{ minLevel: 50, write: (text) => errorsOnly.push(text) }]);
    logRequestLine(info.logger, lines[0]!);
    expect(errorsOnly).toEqual([]);
  });
});

describe("client-chosen values in the request line", () => {
  test("a model name as long as the body limit is written in part, whichever way the line goes", () => {
    // The router refuses names over 256 characters, but the refusal's own line still names the model.
    const long = { ...lines[0]!, model: "m".repeat(1_000_000) };
    const viaPino = capturingPino();
    logRequestLine(viaPino.logger, long);
    const direct = capturingPino();
    const written: string[] = [];
    registerLineDestinations(direct.logger, "gatewayd", [{ minLevel: 30, write: (text) => written.push(text) }]);
    logRequestLine(direct.logger, long);
    for (const line of [viaPino.lines[0]!, written[0]!]) {
      expect(line.length).toBeLessThan(1_000);
      expect(JSON.parse(line).model.startsWith("mmmm")).toBe(true);
    }
  });
});
