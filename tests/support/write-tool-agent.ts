/**
 * A scripted "agent" for the mock upstream: it plays a model that answers a coding client's task
 * by calling the client's Write tool once, then, when the tool result comes back, finishing with
 * a text. Every answer streams, and the tool-call arguments are cut into several fragments so
 * the gateway has to carry partial JSON through. Requests without the Write tool (titles, quota
 * checks and other side calls a client makes) get the mock's default text answer.
 */
import { defaultChatEvents, defaultResponsesEvents, mockUsage, type MockScript, type RecordedRequest } from "./mock-upstream";

export interface WriteTask {
  /** Absolute path the model asks the client to write. */
  filePath: string;
  content: string;
  /** The model's last words once the tool result is back. */
  finalText: string;
  /** Tool-call id the model uses (the client must echo it with the result). */
  callId: string;
}

/** The Write call's arguments as JSON text, cut into `pieces` fragments at arbitrary points (mid-key, mid-string). */
export function splitArguments(task: WriteTask, pieces = 5): string[] {
  const json = JSON.stringify({ file_path: task.filePath, content: task.content });
  const size = Math.ceil(json.length / pieces);
  const fragments: string[] = [];
  for (let start = 0; start < json.length; start += size) fragments.push(json.slice(start, start + size));
  return fragments;
}

type Json = Record<string, any>;

function hasTool(body: Json, name: string): boolean {
  return Array.isArray(body?.tools) && body.tools.some((tool: Json) => tool?.function?.name === name || tool?.name === name);
}

/** What the agent does with one request; side calls fall through to the default answer. */
function stageOf(request: RecordedRequest, hasResult: (body: Json) => boolean): "call" | "finish" | "other" {
  if (!hasTool(request.body, "Write")) return "other";
  return hasResult(request.body) ? "finish" : "call";
}

/** Responses for the agent when the mock plays an OpenAI Chat Completions upstream. */
export function chatWriteAgent(task: WriteTask): (request: RecordedRequest) => MockScript | undefined {
  return (request) => {
    if (!request.path.endsWith("/chat/completions")) return undefined;
    const stage = stageOf(request, (body) => Array.isArray(body.messages) && body.messages.some((m: Json) => m.role === "tool"));
    if (stage === "other") return undefined;
    if (request.body.stream !== true) return notStreamingError();
    const model = String(request.body.model);
    if (stage === "finish") return { events: defaultChatEvents(model, task.finalText, true) };
    const chunk = (payload: Json) => ({ data: { id: "chatcmpl-agent", object: "chat.completion.chunk", created: 1700000000, model, ...payload } });
    const delta = (d: Json, finish: string | null = null) => chunk({ choices: [{ index: 0, delta: d, finish_reason: finish }] });
    const [first, ...rest] = splitArguments(task);
    return {
      events: [
        delta({ role: "assistant", content: "" }),
        delta({ content: "I will write the file." }),
        delta({ tool_calls: [{ index: 0, id: task.callId, type: "function", function: { name: "Write", arguments: first } }] }),
        ...rest.map((fragment) => delta({ tool_calls: [{ index: 0, function: { arguments: fragment } }] })),
        delta({}, "tool_calls"),
        chunk({ choices: [], usage: { prompt_tokens: mockUsage.input, completion_tokens: mockUsage.output, total_tokens: mockUsage.input + mockUsage.output } }),
        { data: "[DONE]" },
      ],
      intervalMs: 2,
    };
  };
}

/** Responses for the agent when the mock plays a Responses-only upstream (it serves nothing else). */
export function responsesWriteAgent(task: WriteTask): (request: RecordedRequest) => MockScript | undefined {
  return (request) => {
    if (!request.path.endsWith("/responses")) {
      return { status: 404, json: { error: { message: `this upstream only serves /v1/responses, not ${request.path}`, type: "invalid_request_error" } } };
    }
    const stage = stageOf(request, (body) => Array.isArray(body.input) && body.input.some((item: Json) => item.type === "function_call_output"));
    if (stage === "other") return undefined;
    if (request.body.stream !== true) return notStreamingError();
    const model = String(request.body.model);
    if (stage === "finish") return { events: defaultResponsesEvents(model, task.finalText) };
    let seq = 0;
    const ev = (type: string, payload: Json) => ({ event: type, data: { type, sequence_number: seq++, ...payload } });
    const args = splitArguments(task);
    const call = { id: "fc_agent", type: "function_call", status: "completed", call_id: task.callId, name: "Write", arguments: args.join("") };
    const response = { id: "resp_agent", object: "response", created_at: 1700000000, model, status: "in_progress", output: [] as unknown[], usage: null as unknown };
    const usage = { input_tokens: mockUsage.input, input_tokens_details: { cached_tokens: 0 }, output_tokens: mockUsage.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: mockUsage.input + mockUsage.output };
    return {
      events: [
        ev("response.created", { response }),
        ev("response.in_progress", { response }),
        ev("response.output_item.added", { output_index: 0, item: { ...call, status: "in_progress", arguments: "" } }),
        ...args.map((delta) => ev("response.function_call_arguments.delta", { item_id: call.id, output_index: 0, delta })),
        ev("response.function_call_arguments.done", { item_id: call.id, output_index: 0, arguments: call.arguments }),
        ev("response.output_item.done", { output_index: 0, item: call }),
        ev("response.completed", { response: { ...response, status: "completed", output: [call], usage } }),
      ],
      intervalMs: 2,
    };
  };
}

/** The tests want the streaming path; a non-streaming retry means the stream was rejected, so make it visible. */
function notStreamingError(): MockScript {
  return { status: 400, json: { error: { message: "agent script: expected stream:true (did the client fall back after a broken stream?)", type: "invalid_request_error" } } };
}
