import type { FunctionTool } from "../canonical/types";

/**
 * Anthropic's computer-use tool (`computer_20241022`, `computer_20250124`, `computer_20251124`)
 * as a function an OpenAI model can call (S09, anthropic-client-tools.ts). The client runs it: it
 * takes the screenshots, moves the mouse and types, and answers each call with a `tool_result`
 * (text, screenshot images). Claude knows its input by the tool's type; another model is told it
 * here, as the documented input (`action`, `coordinate`, `text`; from 2025-01 `start_coordinate`,
 * `scroll_direction`, `scroll_amount`, `duration`; from 2025-11 `region` for the `zoom` action,
 * offered only when the client set `enable_zoom`, as Claude gets it), with the screen size the
 * client declared, since coordinates are pixels on that screen.
 *
 * A version this gateway does not know (`computer_YYYYMMDD`) is mapped with the schema of the
 * newest known version at or before its date: a later version has so far only added actions, so
 * the model can still use the tool with the actions it is told, which beats dropping the tool and
 * leaving the model without it. The caller logs the approximation (`computerToolVersion`). A date
 * before every known version is not mapped.
 */

/** The known versions, oldest first. */
const VERSIONS = ["computer_20241022", "computer_20250124", "computer_20251124"] as const;
type ComputerVersion = (typeof VERSIONS)[number];

/** The actions of the 2024-10 version, in the documented order. */
const ACTIONS_2024 = ["key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click", "double_click", "screenshot", "cursor_position"];

/** The 2025-01 version's: finer mouse control, scrolling, holding keys and waiting. */
const ACTIONS_2025 = ["key", "hold_key", "type", "cursor_position", "mouse_move", "left_mouse_down", "left_mouse_up", "left_click", "left_click_drag", "right_click", "middle_click", "double_click", "triple_click", "scroll", "wait", "screenshot"];

const PIXEL_PAIR = { type: "array", items: { type: "integer", minimum: 0 }, minItems: 2, maxItems: 2 };

/**
 * The known version whose schema a computer tool of `type` is given: the type itself when known,
 * else the newest known one at or before its date; undefined for other types and older dates.
 */
export function computerToolVersion(type: string): ComputerVersion | undefined {
  if (!/^computer_\d{8}$/.test(type)) return undefined;
  // Same-length `computer_YYYYMMDD` names compare by date as strings.
  return VERSIONS.findLast((version) => version <= type);
}

/** The function shape of a computer tool of `type`, declared by the client as `value`; undefined for other types. */
export function computerToolShape(type: string, value: Record<string, unknown>): Omit<FunctionTool, "name"> | undefined {
  const version = computerToolVersion(type);
  if (version === undefined) return undefined;
  const newer = version !== "computer_20241022";
  // `zoom` is Claude's only when the client enables it (`enable_zoom`, 2025-11 on).
  const zoom = version === "computer_20251124" && value.enable_zoom === true;
  return computerTool(newer, zoom, value);
}

function computerTool(newer: boolean, zoom: boolean, value: Record<string, unknown>): Omit<FunctionTool, "name"> {
  const actions = newer ? ACTIONS_2025 : ACTIONS_2024;
  const properties: Record<string, unknown> = {
    action: { type: "string", enum: zoom ? [...actions, "zoom"] : actions, description: "What to do." },
    coordinate: { ...PIXEL_PAIR, description: newer ? "[x, y] in screen pixels from the top-left corner: where to move, click or scroll, or where a drag ends." : "[x, y] in screen pixels from the top-left corner: for `mouse_move`, and where `left_click_drag` ends." },
    text: {
      type: "string",
      description: newer
        ? "For `type`: the text to type. For `key` and `hold_key`: a key or combination in xdotool syntax (`Return`, `ctrl+s`). For clicks and `scroll`: modifier keys to hold meanwhile (`shift`, `ctrl`)."
        : "For `type`: the text to type. For `key`: a key or combination in xdotool syntax (`Return`, `ctrl+s`).",
    },
  };
  if (newer) {
    properties.start_coordinate = { ...PIXEL_PAIR, description: "For `left_click_drag`: [x, y] where the drag starts." };
    properties.scroll_direction = { type: "string", enum: ["up", "down", "left", "right"], description: "For `scroll`." };
    properties.scroll_amount = { type: "integer", minimum: 0, description: "For `scroll`: how many wheel clicks." };
    properties.duration = { type: "number", minimum: 0, description: "For `hold_key` and `wait`: seconds." };
  }
  if (zoom) properties.region = { type: "array", items: { type: "integer", minimum: 0 }, minItems: 4, maxItems: 4, description: "For `zoom`: [x0, y0, x1, y1], the top-left and bottom-right corners of the area to view, in screen pixels." };
  return { kind: "function", description: describe(newer, zoom, value), parameters: { type: "object", properties, required: ["action"] } };
}

function describe(newer: boolean, zoom: boolean, value: Record<string, unknown>): string {
  const width = pixels(value.display_width_px);
  const height = pixels(value.display_height_px);
  const display = typeof value.display_number === "number" ? ` (X11 display :${value.display_number})` : "";
  const screen = width !== undefined && height !== undefined ? `The screen is ${width}×${height} pixels${display}; coordinates are pixels on it, [0, 0] at the top left.` : "Coordinates are screen pixels, [0, 0] at the top left.";
  const clicks = newer
    ? "Clicks (`left_click`, `right_click`, `middle_click`, `double_click`, `triple_click`) happen at `coordinate`, or where the mouse is without one; `left_click_drag` drags from `start_coordinate` to `coordinate`; `left_mouse_down` and `left_mouse_up` press and release the left button; `scroll` scrolls `scroll_amount` clicks in `scroll_direction` at `coordinate`; `hold_key` holds `text` for `duration` seconds; `wait` pauses for `duration` seconds."
    : "Clicks (`left_click`, `right_click`, `middle_click`, `double_click`) happen where the mouse is: `mouse_move` to `coordinate` first; `left_click_drag` drags from there to `coordinate`.";
  const zooming = zoom ? " `zoom` returns a close-up screenshot of `region`, to read small detail." : "";
  return `Uses the user's computer through its screen, mouse and keyboard. ${screen} Take a \`screenshot\` to see the screen (it comes back as an image) before acting on it, and again to check the result. \`type\` types \`text\`; \`key\` presses the key or combination in \`text\`; \`mouse_move\` moves to \`coordinate\`; \`cursor_position\` tells where the mouse is. ${clicks}${zooming}`;
}

/** A declared display size, when it is a positive whole number. */
function pixels(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}
