/**
 * Shell command normalisation for Codex `shell`-style tools (upstream-tokligence §1.20,
 * done properly). Codex's legacy `shell` function takes `command` as an argv array and
 * runs it without a shell. Non-OpenAI models often send a single string, a JSON array
 * written as a string, or one argv element holding a whole shell line (`["ls -la | wc"]`).
 * Those are wrapped as `[shell, flag, line]`; a real argv array is left alone.
 *
 * Unlike the original, key order and all other fields are kept, and nothing is escaped
 * (JSON.stringify does not escape `<`, `>` or `&`).
 */
export interface ShellNormalisationOptions {
  /** Tool names whose `command` is normalised. Default: `["shell"]`. */
  toolNames?: string[];
  /** The wrapper for a shell line. Default: `["bash", "-lc"]`. */
  shell?: [string, string];
  /** Arguments longer than this are left untouched (cost guard). Default 50 000 characters. */
  maxLength?: number;
}

/** Characters that mean a string needs a shell to run as intended. */
const NEEDS_SHELL = /[\s|&;<>()$`"'*?~]/;

export function normalizeShellCommandArguments(toolName: string, args: string, options: ShellNormalisationOptions = {}): string {
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
  const command = normalizeCommand(record.command, options.shell ?? ["bash", "-lc"]);
  if (command === undefined) return args;
  // Rebuild with the original key order; only `command` changes.
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) result[key] = key === "command" ? command : value;
  return JSON.stringify(result);
}

/** The normalised argv, or undefined when nothing needs to change. */
function normalizeCommand(command: unknown, shell: [string, string]): string[] | undefined {
  if (typeof command === "string") {
    const trimmed = command.trim();
    if (trimmed.startsWith("[")) {
      try {
        const inner: unknown = JSON.parse(trimmed);
        if (Array.isArray(inner) && inner.every((element) => typeof element === "string")) return normalizeCommand(inner, shell) ?? (inner as string[]);
      } catch {
        // Not a JSON array after all: treat it as a shell line.
      }
    }
    return trimmed === "" ? undefined : [...shell, command];
  }
  if (!Array.isArray(command) || !command.every((element) => typeof element === "string")) return undefined;
  const argv = command as string[];
  if (argv.length === 1 && NEEDS_SHELL.test(argv[0]!)) return [...shell, argv[0]!];
  return undefined;
}
