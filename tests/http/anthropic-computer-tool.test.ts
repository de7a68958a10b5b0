import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { chatCompletionRequests, sdkClients } from "../support/sdk-clients";

/**
 * S09 Anthropic's computer-use tool (client-run: the client takes the screenshots and moves the
 * mouse) on OpenAI models: a function of the same name with the documented input and the
 * display size, whose calls come back as `tool_use` and whose screenshots reach the model.
 */
const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
  ...responsesOnlyProviderEnv(mock.openaiBaseUrl, "resp-*"),
}));

const computer = { type: "computer_20250124", name: "computer", display_width_px: 1280, display_height_px: 800, display_number: 1 };
const screenshot = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const chatChunk = (payload: object) => ({ data: { id: "chatcmpl-c", object: "chat.completion.chunk", created: 1, model: "chat-x", ...payload } });

/** The conversation after the model asked for a screenshot and the client took it. */
const afterScreenshot = [
  { role: "user" as const, content: "Open the settings" },
  { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "toolu_shot", name: "computer", input: { action: "screenshot" } }] },
  {
    role: "user" as const,
    content: [{ type: "tool_result" as const, tool_use_id: "toolu_shot", content: [{ type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: screenshot } }] }],
  },
];

describe("S09 the computer tool on OpenAI models", () => {
  test("reaches a Chat model as a function with its actions, coordinates and display size, and the model's call is the client's tool_use (it was dropped)", async () => {
    running.mock.enqueue({
      events: [
        chatChunk({ choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_click", type: "function", function: { name: "computer", arguments: '{"action":"left_click",' } }] }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"coordinate":[640,400]}' } }] }, finish_reason: null }] }),
        chatChunk({ choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }], usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 } }),
        { data: "[DONE]" },
      ],
    });
    const { anthropic } = sdkClients(running.gw.url);
    const message = await anthropic.beta.messages
      .stream({ model: "chat-x", max_tokens: 200, tools: [computer as never], betas: ["computer-use-2025-01-24"], messages: [{ role: "user", content: "Click the middle of the screen" }] })
      .finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([{ type: "tool_use", id: "call_click", name: "computer", input: { action: "left_click", coordinate: [640, 400] } }]);

    const sent = chatCompletionRequests(running.mock).at(-1)!.body;
    expect(sent.tools).toHaveLength(1);
    const fn = sent.tools[0].function;
    expect(fn.name).toBe("computer");
    expect(fn.description).toContain("1280");
    expect(fn.description).toContain("800");
    expect(fn.parameters.required).toEqual(["action"]);
    expect(fn.parameters.properties.action.enum).toEqual(expect.arrayContaining(["screenshot", "left_click", "type", "key", "scroll", "triple_click", "left_click_drag", "hold_key", "wait"]));
    expect(fn.parameters.properties.coordinate).toMatchObject({ type: "array", items: { type: "integer" } });
    expect(fn.parameters.properties).toHaveProperty("scroll_direction");
    expect(fn.parameters.properties).toHaveProperty("start_coordinate");
  });

  test("the 2024-10 version has only its own actions", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.beta.messages.create({
      model: "chat-x",
      max_tokens: 50,
      tools: [{ type: "computer_20241022", name: "computer", display_width_px: 1024, display_height_px: 768 } as never],
      messages: [{ role: "user", content: "hi" }],
    });
    const fn = chatCompletionRequests(running.mock).at(-1)!.body.tools[0].function;
    expect(fn.parameters.properties.action.enum).toEqual(["key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click", "double_click", "screenshot", "cursor_position"]);
    expect(fn.parameters.properties).not.toHaveProperty("scroll_direction");
    expect(fn.description).toContain("1024");
  });

  /** The function a computer tool declared as `tool` reaches a Chat model as. */
  async function chatFunctionFor(tool: Record<string, unknown>) {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.beta.messages.create({ model: "chat-x", max_tokens: 50, tools: [tool as never], messages: [{ role: "user", content: "hi" }] });
    const tools = chatCompletionRequests(running.mock).at(-1)!.body.tools;
    expect(tools).toHaveLength(1);
    return tools[0].function;
  }

  test("the 2025-11 version with enable_zoom has the zoom action and its region (it was dropped)", async () => {
    const fn = await chatFunctionFor({ type: "computer_20251124", name: "computer", display_width_px: 1440, display_height_px: 900, enable_zoom: true });
    expect(fn.name).toBe("computer");
    expect(fn.description).toContain("1440");
    expect(fn.parameters.properties.action.enum).toEqual(expect.arrayContaining(["zoom", "triple_click", "scroll", "hold_key", "left_mouse_down"]));
    expect(fn.parameters.properties.region).toMatchObject({ type: "array", items: { type: "integer" }, minItems: 4, maxItems: 4 });
    expect(fn.description).toContain("`zoom`");
  });

  test("the 2025-11 version without enable_zoom has the 2025-01 actions and no zoom, as Claude would", async () => {
    const fn = await chatFunctionFor({ type: "computer_20251124", name: "computer", display_width_px: 1440, display_height_px: 900 });
    expect(fn.parameters.properties.action.enum).not.toContain("zoom");
    expect(fn.parameters.properties).not.toHaveProperty("region");
    expect(fn.parameters.properties.action.enum).toContain("triple_click");
  });

  test("a later version the gateway does not know is mapped with the newest schema it knows (zoom as enable_zoom says), not dropped", async () => {
    const fn = await chatFunctionFor({ type: "computer_20270301", name: "computer", display_width_px: 1440, display_height_px: 900, enable_zoom: true });
    expect(fn.name).toBe("computer");
    expect(fn.parameters.properties.action.enum).toEqual(expect.arrayContaining(["zoom", "triple_click"]));
    expect(fn.parameters.properties).toHaveProperty("region");
  });

  test("on a Chat model a screenshot in the tool result follows the tool message as an image", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.beta.messages.create({ model: "chat-x", max_tokens: 50, tools: [computer as never], messages: afterScreenshot });
    const messages = chatCompletionRequests(running.mock).at(-1)!.body.messages;
    expect(messages).toContainEqual(expect.objectContaining({ role: "assistant", tool_calls: [{ id: "toolu_shot", type: "function", function: { name: "computer", arguments: '{"action":"screenshot"}' } }] }));
    expect(messages).toContainEqual({ role: "tool", tool_call_id: "toolu_shot", content: "[image attached below]" });
    expect(messages.at(-1).content).toContainEqual({ type: "image_url", image_url: { url: `data:image/png;base64,${screenshot}` } });
  });

  test("on a Responses model the call replays as a function_call and the screenshot goes in its output", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.beta.messages.create({ model: "resp-x", max_tokens: 50, tools: [computer as never], messages: afterScreenshot });
    const sent = running.mock.requests.at(-1)!.body;
    expect(sent.tools).toEqual([expect.objectContaining({ type: "function", name: "computer" })]);
    expect(sent.input).toContainEqual({ type: "function_call", call_id: "toolu_shot", name: "computer", arguments: '{"action":"screenshot"}' });
    expect(sent.input).toContainEqual({ type: "function_call_output", call_id: "toolu_shot", output: [{ type: "input_image", image_url: `data:image/png;base64,${screenshot}`, detail: "auto" }] });
  });
});
