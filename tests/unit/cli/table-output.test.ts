/**
 * The CLI's tables keep one row per line whatever a cell holds: a display name with a line
 * break or an escape sequence (refused on write now, but a database from an earlier version may
 * hold one) is shown escaped, not printed raw into the operator's terminal.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { formatTable } from "../../../cli/format-table";
import { DEFAULT_DATABASE_FILE } from "../../../src/store/open-store";
import { cliSandbox } from "../../support/cli-runner";

describe("CLI tables", () => {
  const { dirs, run } = cliSandbox("gw-cli-table");

  test("control characters in a cell are escaped; the columns stay aligned", () => {
    expect(formatTable([{ name: "Ann\nB", note: "\u001b[2Jx\t" }, { name: "C", note: "ok" }], ["name", "note"])).toEqual(["NAME    NOTE", "Ann\\nB  \\u001b[2Jx\\t", "C       ok"]);
  });

  test("admin users list: a user whose name has a line break is still one row", async () => {
    // Names with control characters are refused now (src/store/display-name.ts), but a database
    // written by an earlier version may hold one: it is written here directly, as that version did.
    expect((await run(["admin", "users", "create", "--email", "ann@example.com", "--name", "Ann"])).code).toBe(0);
    const db = new Database(join(dirs.dataDir, DEFAULT_DATABASE_FILE));
    db.run("UPDATE users SET display_name = ? WHERE email = ?", ["Ann\nBoleyn", "ann@example.com"]);
    db.close();
    const listed = await run(["admin", "users", "list"]);
    expect(listed.code).toBe(0);
    const rows = listed.out.split("\n");
    expect(rows).toHaveLength(3); // header, the root admin, Ann
    expect(rows[2]).toContain("ann@example.com  gateway_user  Ann\\nBoleyn");
  });
});
