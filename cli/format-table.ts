/** Aligned text tables, the readable output of every command (--json is the other). */

/**
 * Control characters (a line break in a display name imported from CSV, an escape sequence)
 * are shown escaped (`\n`, `\u001b`): printed raw, a line break split its row across the
 * table and an ESC could rewrite the operator's terminal.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function cellText(value: unknown): string {
  const text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(CONTROL, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function formatTable(rows: Array<Record<string, unknown>>, columns: string[]): string[] {
  if (rows.length === 0) return ["(none)"];
  const cells = rows.map((row) => columns.map((key) => cellText(row[key])));
  const widths = columns.map((key, i) => Math.max(key.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns.map((key) => key.toUpperCase())), ...cells.map(line)];
}
