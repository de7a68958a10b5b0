/** /livez and /readyz: readiness turns 503 while draining and while the ledger database refuses rows. */
import { expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load";
import { healthRoutes } from "../../src/http/routes/info-routes";

const { config } = loadConfig({ configDir: "/nonexistent-config-dir", env: {} });

async function probe(draining: boolean, ledgerFailing: boolean, path = "/readyz") {
  const response = await healthRoutes(config, () => draining, () => ledgerFailing).handle(new Request(`http://gateway${path}`));
  return { status: response.status, body: (await response.json()) as { status: string } };
}

test("ready when neither draining nor failing ledger writes", async () => {
  expect(await probe(false, false)).toEqual({ status: 200, body: { status: "ready" } });
});

test("503 while draining, and while the ledger database refuses rows (rows are kept; answers wait)", async () => {
  expect(await probe(true, false)).toEqual({ status: 503, body: { status: "draining" } });
  expect(await probe(false, true)).toEqual({ status: 503, body: { status: "ledger_unavailable" } });
  // Liveness is not readiness: the process is alive and will recover.
  expect((await probe(false, true, "/livez")).status).toBe(200);
});
