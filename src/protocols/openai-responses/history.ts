/** previous_response_id support lives in src/responses-store (the stored wire items are expanded there). */
import { GatewayError } from "../../errors/gateway-error";

/** R02: the error for an unknown or expired response id (never silently drop the field). */
export function previousResponseNotFound(id: string): GatewayError {
  return new GatewayError("invalid_request", 400, `Previous response with id '${id}' not found.`, {
    param: "previous_response_id",
    upstreamCode: "previous_response_not_found",
  });
}
