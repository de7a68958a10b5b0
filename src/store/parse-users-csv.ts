/**
 * The user import file of the original CLI (notes/upstream-tokligence.md §1.10): CSV with an
 * optional header naming `email`, `role`, `display_name` (or `name`) in any order; without a
 * header the columns are email, role, display_name. Role defaults to gateway_user.
 */
import { GatewayError } from "../errors/gateway-error";
import { assertNameHasNoControlCharacters } from "./display-name";
import type { NewUser, UserRole } from "./types";

/** One CSV record: its fields (trimmed) and the file line it starts on, for error messages. */
interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Split the file into records (RFC 4180): double-quoted fields may hold commas, `""` escapes
 * and line breaks. Blank lines and lines starting with `#` are skipped, and each record keeps
 * the line it starts on, so an error names the line an editor shows (counting only the kept
 * lines named the wrong one after a comment or a blank line). A quote left open is refused:
 * it swallowed the rest of the file into one field.
 */
function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let quoteLine = 1;
  // The record's first character other than a space, unquoted: `#` makes it a comment, none a blank line.
  let lead: string | undefined;
  const endRecord = () => {
    fields.push(field);
    if (lead !== undefined && lead !== "#") records.push({ line: start, fields: fields.map((value) => value.trim()) });
    fields = [];
    field = "";
    lead = undefined;
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else {
        if (char === "\n") line += 1;
        field += char;
      }
      continue;
    }
    if (char === "\r" && text[i + 1] === "\n") continue;
    if (char === "\n") {
      endRecord();
      line += 1;
      start = line;
      continue;
    }
    if (lead === undefined && char.trim() !== "") lead = char;
    if (lead === "#") continue;
    if (char === '"') {
      quoted = true;
      quoteLine = line;
    } else if (char === ",") {
      fields.push(field);
      field = "";
    } else field += char;
  }
  if (quoted) throw new GatewayError("invalid_request", 400, `users CSV line ${quoteLine}: a quoted field is never closed (a missing " takes in the rest of the file)`);
  endRecord();
  return records;
}

const KNOWN_COLUMNS = ["email", "role", "display_name", "name", "displayname"];

export function parseUsersCsv(text: string): NewUser[] {
  const records = readCsvRecords(text.replace(/^\uFEFF/, ""));
  if (records.length === 0) return [];
  const first = records[0]!.fields.map((cell) => cell.toLowerCase());
  const hasHeader = first.includes("email");
  // A column we do not read (`rol`, `display name`) was skipped, and its users imported as
  // gateway_user or nameless: refused, as the admin API refuses a field it does not read.
  const unknown = hasHeader ? first.filter((cell) => !KNOWN_COLUMNS.includes(cell)) : [];
  if (unknown.length > 0) throw new GatewayError("invalid_request", 400, `users CSV: unknown column ${unknown.map((cell) => JSON.stringify(cell)).join(", ")} (known: email, role, display_name or name)`);
  const column = (names: string[], fallback: number) => (hasHeader ? first.findIndex((cell) => names.includes(cell)) : fallback);
  const emailAt = column(["email"], 0);
  const roleAt = column(["role"], 1);
  const nameAt = column(["display_name", "name", "displayname"], 2);
  const width = hasHeader ? first.length : 3;
  return records.slice(hasHeader ? 1 : 0).map(({ line, fields: cells }) => {
    // More cells than columns is an unquoted comma (`Smith, John`): the name was cut at it.
    if (cells.length > width) throw new GatewayError("invalid_request", 400, `users CSV line ${line}: ${cells.length} fields, expected at most ${width} (quote a display name that has a comma)`);
    const email = cells[emailAt] ?? "";
    if (!email) throw new GatewayError("invalid_request", 400, `users CSV line ${line}: missing email`);
    const role = (roleAt >= 0 && cells[roleAt]) || "gateway_user";
    const displayName = nameAt >= 0 && cells[nameAt] ? cells[nameAt]! : null;
    // Checked here too (the store checks again) so the error names the file's line, not the row.
    assertNameHasNoControlCharacters(displayName, "display_name", `users CSV line ${line}: `);
    return { email, role: role as UserRole, displayName };
  });
}
