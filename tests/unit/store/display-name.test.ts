import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../../src/errors/gateway-error";
import { assertNameHasNoControlCharacters, describeControlCharacter } from "../../../src/store/display-name";

describe("names of users and keys refuse control characters", () => {
  test("every C0 control (tab and newline too), DEL and every C1 control is found", () => {
    const controls = [...Array.from({ length: 0x20 }, (_, code) => code), 0x7f, ...Array.from({ length: 0x20 }, (_, code) => 0x80 + code)];
    for (const code of controls) expect(describeControlCharacter(`a${String.fromCharCode(code)}b`)).toBe(`U+${code.toString(16).toUpperCase().padStart(4, "0")} at character 2`);
  });

  test("printable text in any script is a name: accents, CJK, emoji, the no-break space, right after C1", () => {
    for (const name of ["Ann O'Brien", "José Müller", "李小龙", "ops 🚀 team", "a\u00a0b", "\u00a0\u00ff"]) expect(describeControlCharacter(name)).toBeUndefined();
  });

  test("the position counts characters, not UTF-16 units (an emoji before counts once)", () => {
    expect(describeControlCharacter("🚀\u001b[31m")).toBe("U+001B at character 2");
  });

  test("the error is a 400 invalid_request naming the field, with the file position when given", () => {
    let caught: unknown;
    try {
      assertNameHasNoControlCharacters("Ops\nTeam", "display_name", "users CSV line 3: ");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 400, code: "invalid_request", param: "display_name" });
    expect((caught as Error).message).toBe("users CSV line 3: display_name must not contain control characters (found U+000A at character 4; tabs and newlines count too)");
  });

  test("no name (null, undefined) is not an error", () => {
    expect(() => assertNameHasNoControlCharacters(null, "name")).not.toThrow();
    expect(() => assertNameHasNoControlCharacters(undefined, "name")).not.toThrow();
  });
});
