import type { CanonicalResponse } from "../../canonical/types";
import type { TranslationContext } from "../../translate/types";
import type { ResolvedResponsesCodecOptions } from "./options";
import { encodeOutputItems, readOutputItemSettings } from "./output-items";
import { buildResponseObject } from "./response-object";
import { cutByTokenLimit, encodeResponsesStatus, encodeResponsesUsage } from "./usage-status";
import type { ResponsesItem, ResponsesResponse } from "./wire-types";

/**
 * Canonical response → the non-streaming Responses body (R10, N01, N05, N06): a full
 * `response` object with a fresh `resp_` id, the client's model name, output items and
 * usage. Truncation is `incomplete` with `incomplete_details` (N01), and so is the item it cut.
 */
export function encodeResponsesResponse(
  response: CanonicalResponse,
  ctx: TranslationContext,
  options: ResolvedResponsesCodecOptions,
): ResponsesResponse {
  const settings = readOutputItemSettings(ctx.request, options, ctx.keepReasoning);
  const { status, incompleteDetails } = encodeResponsesStatus(response.stopReason);
  return buildResponseObject(
    {
      id: ctx.responseId ?? (response.id.startsWith("resp_") ? response.id : options.newId("resp_")),
      createdAt: response.created ?? options.now(),
      status,
      model: ctx.clientModel,
      output: [...((ctx.leadingOutput ?? []) as ResponsesItem[]), ...encodeOutputItems(response.content, settings, cutByTokenLimit(response.stopReason))],
      usage: encodeResponsesUsage(response.usage),
      incompleteDetails,
      ...(response.serviceTier ? { serviceTier: response.serviceTier } : {}),
    },
    ctx.request,
  );
}
