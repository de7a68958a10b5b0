import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * Every `curl … localhost:8081/…` line of README.md, run as written against a gateway with the
 * defaults of `npm start` (loopback only, auth off, no provider keys): a new user copies them
 * before anything else, so each must answer 200 with a body of its protocol.
 */
const README = readFileSync(resolve(import.meta.dir, "../../README.md"), "utf8");

interface CurlExample {
  line: string;
  path: string;
  method: string;
  body?: string;
  headers: Record<string, string>;
}

/** The parts of a curl line the README uses: -s/-N (ignored), -X, -H '…', -d '…', and the URL. */
function parseCurl(line: string): CurlExample {
  const tokens = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!);
  const example: CurlExample = { line, path: "", method: "GET", headers: {} };
  for (let index = 1; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token === "-d") {
      example.body = tokens[++index];
      if (example.method === "GET") example.method = "POST";
    } else if (token === "-H") {
      const [name, ...value] = tokens[++index]!.split(":");
      example.headers[name!.trim()] = value.join(":").trim();
    } else if (token === "-X") example.method = tokens[++index]!;
    else if (token.startsWith("localhost:8081")) example.path = token.slice("localhost:8081".length);
  }
  return example;
}

const examples = README.split("\n")
  .filter((line) => /^curl .*localhost:8081/.test(line.trim()))
  .map((line) => parseCurl(line.trim()));

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(undefined);
});
afterAll(async () => gw.stop());

test("the README has curl examples for the health, Chat, Messages, Responses and models endpoints", () => {
  const paths = new Set(examples.map((example) => example.path));
  for (const path of ["/health", "/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/models"]) expect(paths.has(path)).toBe(true);
});

test.each(examples.map((example) => [example.line, example] as const))("%s", async (_line, example) => {
  // curl -d sends application/x-www-form-urlencoded; the gateway reads the body as JSON anyway.
  const response = await fetch(`${gw.url}${example.path}`, { method: example.method, headers: { "content-type": "application/x-www-form-urlencoded", ...example.headers }, body: example.body });
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status: 200 });
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) expect(text).toContain("data: ");
  else expect(() => JSON.parse(text)).not.toThrow();
});
