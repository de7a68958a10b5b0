/**
 * Echo the model name the client asked for where the upstream wrote its own (N06: clients check
 * it or price by it). Native bodies are relayed as text, so the `"model":"<upstream>"` pair is
 * replaced textually instead of parsing and re-serialising every body and stream event.
 */
export function echoClientModel(text: string, upstreamModel: string, clientModel: string): string {
  if (upstreamModel === clientModel) return text;
  const from = `"model":${JSON.stringify(upstreamModel)}`;
  const at = text.indexOf(from);
  if (at < 0) return text;
  // Only the first pair: providers write the answer's own `model` before its content, and a
  // later one belongs to that content (a tool's input with a "model" field must stay as sent).
  return text.slice(0, at) + `"model":${JSON.stringify(clientModel)}` + text.slice(at + from.length);
}
