import { describe, expect, test } from "bun:test";
import pino from "pino";
import { accessLogger, redactPaths } from "../../../src/log/logger";

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info", redact: { paths: redactPaths, censor: "[redacted]" } }, { write: (text: string) => lines.push(JSON.parse(text)) });
  return { logger, lines };
}

describe("accessLogger (the one line per request)", () => {
  test("keeps the request fields and still redacts secret-named keys", () => {
    const { logger, lines } = capturingLogger();
    accessLogger(logger).info({ requestId: "req_1", route: "/v1/chat/completions", model: "gpt-4o", status: 200, authorization: "Bearer sk-live-0123456789", apiKey: "sk-0123456789abcdef" }, "request");
    expect(lines[0]).toMatchObject({ requestId: "req_1", route: "/v1/chat/completions", model: "gpt-4o", status: 200, msg: "request", authorization: "[redacted]", apiKey: "[redacted]" });
  });

  test("is one child per logger, and the parent keeps its full (nested) redaction", () => {
    const { logger, lines } = capturingLogger();
    expect(accessLogger(logger)).toBe(accessLogger(logger));
    logger.info({ upstream: { headers: { authorization: "Bearer sk-live-0123456789" } } }, "nested");
    expect(JSON.stringify(lines[0])).not.toContain("sk-live");
  });
});
