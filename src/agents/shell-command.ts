/**
 * Shell command normalisation for shell-style tools (upstream-tokligence §1.20, done
 * properly). Codex declares several of them, and they disagree on the command's shape:
 * - `shell` and `local_shell`: `command` is an argv array, run without a shell;
 * - `exec_command`: `cmd` is one shell line; `shell_command`: `command` is one shell line.
 * Translated models (Claude, Chat models) often send the other shape: a single string where
 * an argv array is declared, a JSON array written as a string, one argv element holding a
 * whole shell line (`["ls -la | wc"]`), an argv array where a line is declared, or the other
 * key name (`command` for `cmd`). The arguments are reshaped to what the client's own tool
 * schema declares; a call that already fits is returned unchanged (the same string).
 *
 * Unlike the original, key order and all other fields are kept, and nothing is escaped
 * (JSON.stringify does not escape `<`, `>` or `&`).
 */
export interface ShellNormalisationOptions {
  /** Tool names whose command is normalised. Default: `["shell"]`. */
  toolNames?: string[];
  /** The argv prefix that runs one shell line. Default: `["bash", "-lc"]`. */
  shell?: string[];
  /** Arguments longer than this are left untouched (cost guard). Default 50 000 characters. */
  maxLength?: number;
}

/** What the client's schema wants: the key holding the command and its shape. */
export interface ShellCommandShape {
  key: string;
  shape: "argv" | "line";
}

/** Characters that mean a string needs a shell to run as intended. */
const NEEDS_SHELL = /[\s|&;<>()$`"'*?~]/;
const COMMAND_KEYS = ["command", "cmd"];

/**
 * The command's shape from a function tool's JSON Schema (`properties.command` / `.cmd`
 * typed `array` or `string`), or undefined when the schema says nothing usable.
 */
export function shellShapeFromSchema(parameters: Record<string, unknown> | undefined): ShellCommandShape | undefined {
  const properties = parameters?.properties;
  if (typeof properties !== "object" || properties === null) return undefined;
  for (const key of COMMAND_KEYS) {
    const property = (properties as Record<string, unknown>)[key];
    if (typeof property !== "object" || property === null) continue;
    const type = (property as Record<string, unknown>).type;
    if (type === "array") return { key, shape: "argv" };
    if (type === "string") return { key, shape: "line" };
  }
  return undefined;
}

/**
 * Legacy entry point: the Codex `shell` tool's shape (`command` as argv) without a schema.
 * Prefer `normalizeShellCall` with the client's declared shape.
 */
export function normalizeShellCommandArguments(toolName: string, args: string, options: ShellNormalisationOptions = {}): string {
  return normalizeShellCall(toolName, args, { key: "command", shape: "argv" }, options);
}

/** Reshapes `args` (JSON text) of a call to `toolName` to `expected`; anything it cannot read is left alone. */
export function normalizeShellCall(toolName: string, args: string, expected: ShellCommandShape, options: ShellNormalisationOptions = {}): string {
  const names = options.toolNames ?? ["shell"];
  if (!names.includes(toolName) || args === "" || args.length > (options.maxLength ?? 50_000)) return args;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return args;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return args;
  const record = parsed as Record<string, unknown>;
  // The model used the other key name (`command` for `cmd` or back): take it under the declared one.
  const sourceKey = expected.key in record ? expected.key : COMMAND_KEYS.find((key) => key !== expected.key && key in record);
  if (sourceKey === undefined) return args;
  const shell = options.shell ?? ["bash", "-lc"];
  const value = record[sourceKey];
  const reshaped = expected.shape === "argv" ? toArgv(value, shell) : toLine(value, shell);
  if (reshaped === undefined && sourceKey === expected.key) return args;
  // Rebuild with the original key order; only the command changes (and its key, if renamed).
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(record)) {
    if (key === sourceKey) result[expected.key] = reshaped ?? entry;
    else if (key !== expected.key) result[key] = entry;
  }
  return JSON.stringify(result);
}

/** The argv for a command, or undefined when it is already a fine argv (or unreadable). */
function toArgv(command: unknown, shell: string[]): string[] | undefined {
  if (typeof command === "string") {
    const trimmed = command.trim();
    if (trimmed.startsWith("[")) {
      try {
        const inner: unknown = JSON.parse(trimmed);
        if (isStringArray(inner)) return toArgv(inner, shell) ?? inner;
      } catch {
        // Not a JSON array after all: treat it as a shell line.
      }
    }
    return trimmed === "" ? undefined : [...shell, command];
  }
  if (!isStringArray(command)) return undefined;
  if (command.length === 1 && NEEDS_SHELL.test(command[0]!)) return [...shell, command[0]!];
  return undefined;
}

/** The shell line for a command, or undefined when it is already a line (or unreadable). */
function toLine(command: unknown, shell: string[]): string | undefined {
  if (!isStringArray(command) || command.length === 0) return undefined;
  // `["bash", "-lc", "<line>"]` (any shell with a -c style flag): the line itself.
  if (command.length === 3 && isShellInvocation(command[0]!, command[1]!, shell)) return command[2]!;
  return command.map(quoteForShell).join(" ");
}

function isShellInvocation(program: string, flag: string, shell: string[]): boolean {
  const base = program.split("/").pop() ?? program;
  const knownShell = ["bash", "sh", "zsh", "dash", "ksh", "fish"].includes(base) || program === shell[0];
  return knownShell && /^-[a-z]*c$/.test(flag);
}

/** POSIX single quoting for argv elements that are not plain words. */
function quoteForShell(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, "'\\''")}'`;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((element) => typeof element === "string");
}
