/**
 * The one check on the names people give users and API keys (user display_name, key name), run
 * by the store so the admin API, the CLI and CSV/JSON imports all share it. A name is printed in
 * tables, logs and terminals: a newline forges a row, an ESC starts a terminal escape sequence,
 * a NUL truncates it in C tools. So a name may hold no C0 control (U+0000–U+001F, tab and
 * newline included), no DEL (U+007F) and no C1 control (U+0080–U+009F).
 */
import { GatewayError } from "../errors/gateway-error";

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/u;

/** The first control character in text, as `U+000A at character 6` (1-based), or undefined. */
export function describeControlCharacter(text: string): string | undefined {
  const match = CONTROL_CHARACTER.exec(text);
  if (!match) return undefined;
  const codePoint = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  // Characters as a person counts them (code points), not UTF-16 units.
  const position = [...text.slice(0, match.index)].length + 1;
  return `U+${codePoint} at character ${position}`;
}

/**
 * Throws a 400 invalid_request naming the field when a name holds a control character. `where`
 * prefixes the message with the place in a file (`users CSV line 4: `, `import row 2: `).
 */
export function assertNameHasNoControlCharacters(name: string | null | undefined, param: string, where = ""): void {
  if (typeof name !== "string") return;
  const found = describeControlCharacter(name);
  if (!found) return;
  throw new GatewayError("invalid_request", 400, `${where}${param} must not contain control characters (found ${found}; tabs and newlines count too)`, { param });
}
