import { expect, test } from "bun:test";
import { loadConfig } from "../../../src/config/load";
import { describeConfig } from "../../../src/config/show";

/**
 * gateway.stream_opening_window_ms: how long a stream's opening may hold back the client's
 * headers (src/proxy/stream-opening.ts). Past a minute a proxy in front (NGINX's 60 s
 * proxy_read_timeout) cuts a connection that has had no byte, keep-alive pings included.
 */
const load = (value?: string) => loadConfig({ configDir: "/nonexistent", env: value === undefined ? {} : { TOKLIGENCE_GATEWAY__STREAM_OPENING_WINDOW_MS: value } });

test("defaults to one second and is shown by config show with its source", () => {
  const loaded = load();
  expect(loaded.config.streamOpeningWindowMs).toBe(1_000);
  expect(describeConfig(loaded).find((row) => row.key === "gateway.stream_opening_window_ms")).toEqual({ key: "gateway.stream_opening_window_ms", value: 1_000, source: expect.stringContaining("default") });
  expect(describeConfig(load("2500")).find((row) => row.key === "gateway.stream_opening_window_ms")).toEqual({ key: "gateway.stream_opening_window_ms", value: 2_500, source: "env TOKLIGENCE_GATEWAY__STREAM_OPENING_WINDOW_MS" });
});

test("0 (no wait past the first chunk) up to 60000 are taken", () => {
  expect(load("0").config.streamOpeningWindowMs).toBe(0);
  expect(load("60000").config.streamOpeningWindowMs).toBe(60_000);
});

test("a negative window, one past a minute or a non-number stops the start, naming the key and the bound", () => {
  for (const value of ["-1", "60001", "soon"]) {
    expect(() => load(value)).toThrow(/gateway\.stream_opening_window_ms from env TOKLIGENCE_GATEWAY__STREAM_OPENING_WINDOW_MS: .* \(allowed: an integer from 0 to 60000\)/);
  }
});
