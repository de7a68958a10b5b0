import { expect, test } from "bun:test";
import { echoClientModel } from "../../../src/proxy/echo-model";

test("the answer's own model is renamed to the client's; a 'model' inside its content is left as sent", () => {
  const upstream = JSON.stringify({
    id: "msg_1",
    type: "message",
    model: "native-real",
    content: [{ type: "tool_use", id: "toolu_1", name: "configure", input: { model: "native-real" } }],
  });
  const echoed = JSON.parse(echoClientModel(upstream, "native-real", "alias-x"));
  expect(echoed.model).toBe("alias-x");
  expect(echoed.content[0].input).toEqual({ model: "native-real" });
  // Same name both ways, or no model in the text: untouched.
  expect(echoClientModel(upstream, "native-real", "native-real")).toBe(upstream);
  expect(echoClientModel('{"x":1}', "a", "b")).toBe('{"x":1}');
});
