/**
 * The result given to a tool call that has none in the history (H11: the user interrupted the
 * agent, or the client trimmed its history): Anthropic and Chat upstreams both refuse a call
 * left unanswered, which would break every later turn of the session.
 */
export const CANCELLED_TOOL_RESULT = "Tool call was cancelled: no result was recorded.";
