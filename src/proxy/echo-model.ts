/**
 * Echo the model name the client asked for where the upstream wrote its own (N06: clients check
 * it or price by it). Native bodies are relayed as text, so the `"model":"<upstream>"` pair is
 * replaced textually instead of parsing and re-serialising every body and stream event.
 */
export function echoClientModel(text: string, upstreamModel: string, clientModel: string): string {
  if (upstreamModel === clientModel) return text;
  const from = `"model":${JSON.stringify(upstreamModel)}`;
  if (!text.includes(from)) return text;
  return text.split(from).join(`"model":${JSON.stringify(clientModel)}`);
}
