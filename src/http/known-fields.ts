/**
 * Admin request bodies name every field they may hold. A field the API does not read was
 * ignored, and the answer looked like success: `{"active": false}` left the user active with a
 * 200, and `{"scope": ["usage"]}` issued a key with every scope its role allows. A 400 naming the
 * field and the known ones lets the admin correct the call instead.
 */
import { GatewayError } from "../errors/gateway-error";

export function refuseUnknownFields(body: Record<string, unknown>, known: readonly string[], param = ""): void {
  for (const field of Object.keys(body)) {
    if (!known.includes(field)) {
      throw new GatewayError("invalid_request", 400, `unknown field ${JSON.stringify(field)} (known: ${known.join(", ")})`, { param: param + field });
    }
  }
}
