/**
 * The CLI's tables keep one row per line whatever a cell holds: a display name with a line
 * break (the users CSV import reads quoted line breaks) or an escape sequence is shown escaped,
 * not printed raw into the operator's terminal.
 */
import { describe, expect, test } from "bun:test";
import { formatTable } from "../../../cli/format-table";
import { cliSandbox } from "../../support/cli-runner";

describe("CLI tables", () => {
  const { run } = cliSandbox("gw-cli-table");

  test("control characters in a cell are escaped; the columns stay aligned", () => {
    expect(formatTable([{ name: "Ann\nB", note: "\u001b[2Jx\t" }, { name: "C", note: "ok" }], ["name", "note"])).toEqual(["NAME    NOTE", "Ann\\nB  \\u001b[2Jx\\t", "C       ok"]);
  });

  test("admin users list: a user whose name has a line break is still one row", async () => {
    expect((await run(["admin", "users", "create", "--email", "ann@example.com", "--name", "Ann\nBoleyn"])).code).toBe(0);
    const listed = await run(["admin", "users", "list"]);
    expect(listed.code).toBe(0);
    const rows = listed.out.split("\n");
    expect(rows).toHaveLength(3); // header, the root admin, Ann
    expect(rows[2]).toContain("ann@example.com  gateway_user  Ann\\nBoleyn");
  });
});
