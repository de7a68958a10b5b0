/**
 * The one log line per request, written straight to the logger's destinations.
 *
 * Through pino the line cost ~20 µs under load (measured with Bun's profiler): pino 10 runs every
 * line through `diagnostics_channel` tracing, a generic serializer and a redaction pass. This line
 * has fixed, typed fields and none of them carries a secret (ids, route, model names, numbers),
 * so it is serialised here in the same shape pino writes (`level`, `time`, `service`, the fields,
 * `msg`) and handed to the same buffered destinations, keeping order with pino's own lines.
 * A logger built elsewhere (tests, embedders) gets the line through pino as before.
 */
import { accessLogger, type Logger } from "./logger";

export interface RequestLine {
  /** The id the client sees (its own X-Request-ID when it sent one). */
  requestId: string;
  /** The ledger row's key, when it differs from `requestId` (the client chose the id). */
  ledgerRequestId?: string;
  route: string;
  model: string;
  servedModel: string | null;
  provider: string | null;
  status: number;
  errorCode?: string;
  stream: boolean;
  latencyMs: number;
  ttftMs?: number;
  inputTokens: number;
  outputTokens: number;
  /**
   * The route's providers that failed before `provider` was tried, in order, as
   * "name: code (status)"; absent when the first one tried is the one named.
   */
  failedOver?: string[];
}

/** A destination of a logger made by createLogger, with the least level it takes. */
export interface LineDestination {
  minLevel: number;
  write(line: string): unknown;
}

interface FastPath {
  service: string;
  destinations: LineDestination[];
}

const fastPaths = new WeakMap<Logger, FastPath>();
const infoLevel = 30;
/** The longest model name written as it is (routing/router.ts MAX_MODEL_NAME_LENGTH). */
const MAX_LOGGED_MODEL = 256;

/** Called by createLogger: where the request line of `logger` may be written directly. */
export function registerLineDestinations(logger: Logger, service: string, destinations: LineDestination[]): void {
  fastPaths.set(logger, { service, destinations });
}

export function logRequestLine(logger: Logger, line: RequestLine): void {
  // The model is the client's own text (up to the body limit): a line per request must not
  // write it whole. The router refuses names longer than 256 characters anyway.
  if (line.model.length > MAX_LOGGED_MODEL) line = { ...line, model: `${line.model.slice(0, MAX_LOGGED_MODEL)}…` };
  const fast = fastPaths.get(logger);
  if (!fast) {
    accessLogger(logger).info(line, "request");
    return;
  }
  if (!logger.isLevelEnabled("info")) return;
  // Field by field: strings (some come from clients) through JSON.stringify, numbers and
  // booleans as they are; a generic stringify of a spread object cost ~1 µs more per request.
  const text =
    `{"level":${infoLevel},"time":"${new Date().toISOString()}","service":${JSON.stringify(fast.service)},` +
    `"requestId":${JSON.stringify(line.requestId)},` +
    (line.ledgerRequestId === undefined ? "" : `"ledgerRequestId":${JSON.stringify(line.ledgerRequestId)},`) +
    `"route":${JSON.stringify(line.route)},"model":${JSON.stringify(line.model)},` +
    `"servedModel":${JSON.stringify(line.servedModel)},"provider":${JSON.stringify(line.provider)},` +
    `"status":${jsonNumber(line.status)},` +
    (line.errorCode === undefined ? "" : `"errorCode":${JSON.stringify(line.errorCode)},`) +
    `"stream":${line.stream},"latencyMs":${jsonNumber(line.latencyMs)},` +
    (line.ttftMs === undefined ? "" : `"ttftMs":${jsonNumber(line.ttftMs)},`) +
    `"inputTokens":${jsonNumber(line.inputTokens)},"outputTokens":${jsonNumber(line.outputTokens)},` +
    (line.failedOver === undefined ? "" : `"failedOver":${JSON.stringify(line.failedOver)},`) +
    `"msg":"request"}\n`;
  for (const destination of fast.destinations) if (destination.minLevel <= infoLevel) destination.write(text);
}

/** A number as JSON writes it (NaN and infinities become null, as in JSON.stringify). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}
