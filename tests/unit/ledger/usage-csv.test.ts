import { describe, expect, test } from "bun:test";
import { toUsageRow } from "../../../src/ledger/to-usage-row";
import { formatCsvCell, formatUsageCsvHeader, formatUsageCsvRows, USAGE_CSV_COLUMNS } from "../../../src/ledger/usage-csv";
import type { StoredUsageRow } from "../../../src/store/types";
import { toUsageRowJson } from "../../../src/store/wire-format";
import { makeLedgerEntry } from "../../support/ledger-entries";
import { parseCsv } from "../../support/parse-csv";

const storedRow = (overrides: Parameters<typeof makeLedgerEntry>[0] = {}, id = 7): StoredUsageRow => ({ ...toUsageRow(makeLedgerEntry(overrides), null, new Date("2025-03-04T10:00:01.000Z")), id }) as StoredUsageRow;

describe("usage rows as CSV", () => {
  test("the columns are the JSON export's fields, in its order (a field added to one is in the other)", () => {
    expect<string[]>([...USAGE_CSV_COLUMNS]).toEqual(Object.keys(toUsageRowJson(storedRow())));
    expect(formatUsageCsvHeader()).toBe(`${USAGE_CSV_COLUMNS.join(",")}\r\n`);
  });

  test("RFC 4180 quoting: a comma, a quote (doubled) or a line break is quoted; plain text and numbers are not", () => {
    expect(formatCsvCell("gpt-4o")).toBe("gpt-4o");
    expect(formatCsvCell("a,b")).toBe('"a,b"');
    expect(formatCsvCell('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvCell("two\nlines")).toBe('"two\nlines"');
    expect(formatCsvCell("cr\rlf")).toBe('"cr\rlf"');
    expect(formatCsvCell(null)).toBe("");
    expect(formatCsvCell(120)).toBe("120");
    expect(formatCsvCell(true)).toBe("true");
  });

  test("text starting with = + - @ (or a tab or CR) gets a leading ' so a spreadsheet does not run it; numbers never do", () => {
    expect(formatCsvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(formatCsvCell("+1+1")).toBe("'+1+1");
    expect(formatCsvCell("-2+3")).toBe("'-2+3");
    expect(formatCsvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(formatCsvCell("\t=1")).toBe("'\t=1");
    expect(formatCsvCell("\r=1")).toBe(`"'\r=1"`);
    expect(formatCsvCell("a=b")).toBe("a=b");
    expect(formatCsvCell(-5)).toBe("-5");
  });

  test("a row reads back, with an RFC 4180 reader, as the JSON row's values (text guarded, nulls empty)", () => {
    const row = storedRow({ modelRequested: "=cmd|' /C calc'!A0", clientRequestId: 'client "7", retry\r\n2', errorCode: null, stream: true });
    const [header, record] = parseCsv(formatUsageCsvHeader() + formatUsageCsvRows([row]));
    const json = toUsageRowJson(row) as Record<string, unknown>;
    const read = Object.fromEntries(header!.map((name, index) => [name, record![index]]));
    expect(read.model_requested).toBe("'=cmd|' /C calc'!A0");
    expect(read.client_request_id).toBe('client "7", retry\r\n2');
    expect(read.error_code).toBe("");
    expect(read.stream).toBe("true");
    for (const name of ["id", "request_id", "user_id", "started_at", "endpoint", "status", "prompt_tokens", "cost_micro_usd", "latency_ms"]) expect(read[name]).toBe(json[name] === null ? "" : String(json[name]));
  });
});
