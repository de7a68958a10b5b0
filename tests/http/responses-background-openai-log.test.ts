import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pino from "pino";
import { BackgroundRuns } from "../../src/proxy/background-runs";
import { mockUsage } from "../support/mock-upstream";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";

/**
 * The log of a native OpenAI background response agrees with its ledger row: the creating POST's
 * request line shows the `queued` answer's estimate, and the run's end adds one line with the
 * row as written (same request id, final tokens, status), without any credential.
 */
const polling = { firstDelayMs: 20, maxDelayMs: 40, limitMs: 60_000, orphanedAfterMs: 300 };

describe("the log of a native background response", () => {
  const lines: Array<Record<string, unknown>> = [];
  let setup: StoringGateway | undefined;
  beforeAll(async () => {
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    setup = await startStoringGateway("gw-background-log-", { TOKLIGENCE_MODEL_ALIASES: "bg-gpt=>openai:gpt-5" }, { background: new BackgroundRuns(polling) }, logger);
  });
  afterAll(() => setup?.stop());

  test("one line for the settled run, with the creating request's id, the final tokens and status, as in the ledger", async () => {
    const { gw } = setup!;
    const answer = await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-client-secret-abcdef012345", "x-request-id": "req-bg-log" },
      body: JSON.stringify({ model: "bg-gpt", background: true, input: "work" }),
    });
    expect(answer.status).toBe(200);
    const { id } = (await answer.json()) as { id: string };
    for (let tries = 0; tries < 300 && !lines.some((line) => line.msg === "background response settled"); tries++) await Bun.sleep(10);

    const created = lines.filter((line) => line.msg === "request" && line.requestId === "req-bg-log");
    const settled = lines.filter((line) => line.msg === "background response settled");
    expect(created).toHaveLength(1);
    expect(settled).toHaveLength(1);
    const row = gw.ledger.entries.find((entry) => entry.clientRequestId === "req-bg-log")!;
    expect(row.usage.outputTokens).toBe(mockUsage.output);
    expect(settled[0]).toMatchObject({
      requestId: "req-bg-log",
      ledgerRequestId: row.requestId,
      responseId: id,
      route: "/v1/responses",
      model: "bg-gpt",
      status: 200,
      inputTokens: row.usage.inputTokens,
      outputTokens: mockUsage.output,
      usageEstimated: false,
    });
    expect(settled[0]!.errorCode).toBeUndefined();
    // The creating line showed the estimate (a queued answer has no output); the ledger has the final row.
    expect(created[0]!.outputTokens).not.toBe(mockUsage.output);
    const text = JSON.stringify(lines);
    expect(text).not.toContain("sk-client-secret");
    expect(text).not.toContain("sk-test-openai-key");
  });
});
