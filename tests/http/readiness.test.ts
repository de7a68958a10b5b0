/**
 * /livez and /readyz: readiness turns 503 while draining and while the ledger cannot make rows
 * durable; rows waiting in the PostgreSQL spill are reported but keep the replica ready (every
 * replica shares the database: unready together would leave a load balancer nowhere to go).
 */
import { expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load";
import { healthRoutes } from "../../src/http/routes/info-routes";

const { config } = loadConfig({ configDir: "/nonexistent-config-dir", env: {} });

async function probe(draining: boolean, ledgerFailing: boolean, path = "/readyz", spilled = 0) {
  const response = await healthRoutes(config, () => draining, () => ledgerFailing, () => spilled).handle(new Request(`http://gateway${path}`));
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

test("ready, with the count, while usage rows wait in the local spill (PostgreSQL away or just back): a shared database's outage must not take every replica out", async () => {
  expect(await probe(false, false, "/readyz", 3)).toEqual({ status: 200, body: { status: "ready", degraded: "ledger_spilled", spilled_rows: 3 } as { status: string } });
  expect(await probe(false, false, "/readyz", 0)).toEqual({ status: 200, body: { status: "ready" } });
  // Rows the spill could not take either (answers waiting) make it unready, and say so first.
  expect(await probe(false, true, "/readyz", 3)).toEqual({ status: 503, body: { status: "ledger_unavailable", spilled_rows: 3 } as { status: string } });
  expect(await probe(true, false, "/readyz", 3)).toEqual({ status: 503, body: { status: "draining", spilled_rows: 3 } as { status: string } });
});
