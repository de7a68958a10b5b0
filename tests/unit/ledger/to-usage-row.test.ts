import { expect, test } from "bun:test";
import { parsePriceTable } from "../../../src/ledger/price-table";
import { toUsageRow } from "../../../src/ledger/to-usage-row";
import { makeLedgerEntry } from "../../support/ledger-entries";

const prices = parsePriceTable(`
[[prices]]
model = "gpt-4o"
input = 2.50
output = 10.00
`);
const noTokens = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };

test("a row without tokens costs 0 whatever its model, so refusals are not counted as unpriced", () => {
  // A 401 before any model was read, and an unknown model's 404: nothing was spent.
  expect(toUsageRow(makeLedgerEntry({ modelRequested: "", modelServed: null, provider: null, status: 401, errorCode: "unauthorized", usage: noTokens }), prices, new Date()).costMicroUsd).toBe(0);
  expect(toUsageRow(makeLedgerEntry({ modelRequested: "no-such-model", modelServed: null, provider: null, status: 404, errorCode: "model_not_found", usage: noTokens }), prices, new Date()).costMicroUsd).toBe(0);
  expect(toUsageRow(makeLedgerEntry({ usage: noTokens }), null, new Date()).costMicroUsd).toBe(0);
});

test("a row with tokens of an unpriced model has no cost (null), never 0; a priced one its cost", () => {
  expect(toUsageRow(makeLedgerEntry({ modelRequested: "my-local-llm", modelServed: "my-local-llm" }), prices, new Date()).costMicroUsd).toBeNull();
  expect(toUsageRow(makeLedgerEntry({ modelServed: "my-local-llm", usage: { ...noTokens, outputTokens: 1 } }), prices, new Date()).costMicroUsd).toBeNull();
  // 1000 input at $2.50/M + 500 output at $10/M = $0.0075.
  expect(toUsageRow(makeLedgerEntry(), prices, new Date()).costMicroUsd).toBe(7500);
});
