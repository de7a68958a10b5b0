import type { BuiltinTool, FunctionTool } from "../canonical/types";
import { computerToolShape } from "./computer-use-tool";

/**
 * Anthropic's schema-less tools that the client runs itself (S09): `bash_…`, `text_editor_…`
 * and `memory_…`. Claude knows their input shapes; the Anthropic SDK's users (its tool helpers,
 * agents written against the docs) declare them by type alone and execute the calls they get.
 * An OpenAI model can call them as ordinary functions when it is told the shape, so they go to
 * a Chat or Responses upstream as function tools of the same name with the documented input
 * schema, and the model's calls come back as the `tool_use` blocks the client expects. They were
 * dropped as if they were server tools, and the model answered without the tools it was given.
 * The computer-use tool is client-run too (the client takes the screenshots and moves the
 * mouse): its function has the actions of its version and the display size the client declared
 * (computer-use-tool.ts). (Server tools, such as web fetch and code execution, run inside
 * Anthropic and stay dropped.)
 */

const BASH: Omit<FunctionTool, "name"> = {
  kind: "function",
  description: "Runs a command in a persistent bash shell session on the user's machine and returns its output. State (working directory, environment) persists between calls.",
  parameters: {
    type: "object",
    properties: {
      command: { type: "string", description: "The bash command to run. Required unless the tool is being restarted." },
      restart: { type: "boolean", description: "Specifying true will restart this tool. Otherwise, leave this unspecified." },
    },
  },
};

/** The text editor's input; the 2024-10 and 2025-01 versions also had `undo_edit`. */
function textEditor(withUndo: boolean): Omit<FunctionTool, "name"> {
  return {
    kind: "function",
    description:
      "Views, creates and edits files on the user's machine. `view` shows a file with line numbers (optionally only `view_range` [start, end], 1-based, -1 for the end) or lists a directory; `create` writes `file_text` to a new file; `str_replace` replaces `old_str`, which must match exactly one place in the file, with `new_str`; `insert` inserts `new_str` after line `insert_line` (0 for the start of the file)." +
      (withUndo ? " `undo_edit` reverts the last edit of `path`." : ""),
    parameters: {
      type: "object",
      properties: {
        command: { type: "string", enum: withUndo ? ["view", "create", "str_replace", "insert", "undo_edit"] : ["view", "create", "str_replace", "insert"] },
        path: { type: "string", description: "Absolute path to the file or directory." },
        file_text: { type: "string", description: "For `create`: the content of the file." },
        old_str: { type: "string", description: "For `str_replace`: the exact text to replace." },
        new_str: { type: "string", description: "For `str_replace` and `insert`: the new text." },
        insert_line: { type: "integer", description: "For `insert`: the line after which the text goes (0 for the start)." },
        view_range: { type: "array", items: { type: "integer" }, description: "For `view`: [start, end] lines, 1-based; -1 as end means the end of the file." },
      },
      required: ["command", "path"],
    },
  };
}

const MEMORY: Omit<FunctionTool, "name"> = {
  kind: "function",
  description:
    "The user's persistent memory directory (/memories), kept across conversations: check it before starting a task and record progress and learnings as you go. `view` shows a file or lists a directory (optionally `view_range`); `create` writes `file_text`; `str_replace` replaces `old_str` (an exact, unique match) with `new_str`; `insert` inserts `insert_text` at line `insert_line`; `delete` removes `path`; `rename` moves `old_path` to `new_path`.",
  parameters: {
    type: "object",
    properties: {
      command: { type: "string", enum: ["view", "create", "str_replace", "insert", "delete", "rename"] },
      path: { type: "string", description: "Path inside /memories." },
      view_range: { type: "array", items: { type: "integer" }, description: "For `view`: [start, end] lines." },
      file_text: { type: "string", description: "For `create`: the content of the file." },
      old_str: { type: "string", description: "For `str_replace`: the exact text to replace." },
      new_str: { type: "string", description: "For `str_replace`: the new text." },
      insert_line: { type: "integer", description: "For `insert`: the line number." },
      insert_text: { type: "string", description: "For `insert`: the text to insert." },
      old_path: { type: "string", description: "For `rename`: the current path." },
      new_path: { type: "string", description: "For `rename`: the new path." },
    },
    required: ["command"],
  },
};

/** The function an Anthropic client-run tool becomes, under the name the client gave it; undefined for other built-ins. */
export function anthropicClientToolAsFunction(tool: BuiltinTool): FunctionTool | undefined {
  if (tool.protocol !== "anthropic") return undefined;
  const shape = shapeOf(tool.type) ?? computerToolShape(tool.type, tool.value);
  if (!shape) return undefined;
  const name = typeof tool.value.name === "string" && tool.value.name !== "" ? tool.value.name : undefined;
  return name ? { ...shape, name } : undefined;
}

function shapeOf(type: string): Omit<FunctionTool, "name"> | undefined {
  if (/^bash_\d{8}$/.test(type)) return BASH;
  if (type === "text_editor_20241022" || type === "text_editor_20250124") return textEditor(true);
  if (/^text_editor_\d{8}$/.test(type)) return textEditor(false);
  if (/^memory_\d{8}$/.test(type)) return MEMORY;
  return undefined;
}
