import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { parseUsersCsv } from "../../../src/store/parse-users-csv";

const refusal = (text: string) => {
  try {
    parseUsersCsv(text);
  } catch (error) {
    return error instanceof GatewayError ? { status: error.status, message: error.message } : { status: 0, message: String(error) };
  }
  return undefined;
};

describe("parseUsersCsv", () => {
  test("header in any order, quoted commas, headerless, BOM and CRLF", () => {
    expect(parseUsersCsv('\uFEFFname,email,role\r\n"Smith, John",js@example.com,gateway_admin\r\n')).toEqual([{ email: "js@example.com", role: "gateway_admin", displayName: "Smith, John" }]);
    expect(parseUsersCsv("a@example.com,,A\nb@example.com\n")).toEqual([
      { email: "a@example.com", role: "gateway_user", displayName: "A" },
      { email: "b@example.com", role: "gateway_user", displayName: null },
    ]);
  });

  test("a column the import does not read is refused, not skipped (a misspelt role made every admin a gateway_user)", () => {
    expect(refusal("email,rol\nops@example.com,gateway_admin\n")).toEqual({ status: 400, message: expect.stringContaining('unknown column "rol"') });
    expect(refusal("email,role,display name\nops@example.com,gateway_admin,Ops\n")?.message).toContain('"display name"');
  });

  test("a row with more fields than columns is refused, not cut at an unquoted comma", () => {
    expect(refusal("js@example.com,gateway_user,Smith, John\n")).toEqual({ status: 400, message: expect.stringContaining("line 1: 4 fields, expected at most 3") });
    expect(refusal("email,name\njs@example.com,Smith, John\n")?.message).toContain("line 2: 3 fields");
  });

  test("errors name the file's own line, counting comments, blank lines and line breaks inside quotes", () => {
    expect(refusal("# team import\nemail,name\n\na@example.com,A\njs@example.com,Smith, John\n")?.message).toContain("line 5: 3 fields");
    // The line break sits in the role column: one in a name is refused (next test).
    expect(refusal('email,role,name\na@example.com,"two\nlines",A\n,,Nobody\n')?.message).toContain("line 4: missing email");
  });

  test("a quoted field may hold a line break, but a display name may not (nor any control character): refused with its line", () => {
    expect(refusal('email,name\nb@example.com,B\na@example.com,"Ann\r\nB."\n')).toEqual({ status: 400, message: expect.stringContaining("line 3: display_name must not contain control characters (found U+000D at character 4") });
    expect(refusal("email,name\na@example.com,Ann\tB\n")?.message).toContain("line 2: display_name must not contain control characters (found U+0009");
    expect(refusal("a@example.com,gateway_user,\u001b[2JAnn\n")?.message).toContain("line 1: display_name must not contain control characters (found U+001B at character 1");
  });

  test("a quote never closed is refused, not swallowing the rest of the file", () => {
    expect(refusal('email,name\na@example.com,"Ann\nb@example.com,B\nc@example.com,C\n')).toEqual({ status: 400, message: expect.stringContaining("line 2: a quoted field is never closed") });
  });
});
