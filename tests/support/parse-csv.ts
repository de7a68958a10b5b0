/**
 * A strict RFC 4180 reader for tests: records end with CRLF, quoted fields may hold commas,
 * quotes (doubled) and line breaks. Anything else (a bare LF, a quote inside an unquoted field)
 * throws, so a test reading an export also checks its quoting.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let position = 0;
  while (position < text.length) {
    let field = "";
    if (text[position] === '"') {
      position += 1;
      for (;;) {
        if (position >= text.length) throw new Error("quoted field never closed");
        if (text[position] === '"') {
          if (text[position + 1] === '"') {
            field += '"';
            position += 2;
            continue;
          }
          position += 1;
          break;
        }
        field += text[position];
        position += 1;
      }
    } else {
      while (position < text.length && text[position] !== "," && text[position] !== "\r") {
        if (text[position] === '"' || text[position] === "\n") throw new Error(`unquoted ${JSON.stringify(text[position])} at ${position}`);
        field += text[position];
        position += 1;
      }
    }
    fields.push(field);
    if (text[position] === ",") {
      position += 1;
    } else if (text.startsWith("\r\n", position)) {
      records.push(fields);
      fields = [];
      position += 2;
    } else {
      throw new Error(`expected , or CRLF at ${position}`);
    }
  }
  if (fields.length > 0) throw new Error("last record has no CRLF");
  return records;
}
