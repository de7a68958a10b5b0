import { describe, expect, test } from "bun:test";
import { bareModelName, findModelFamily } from "../../../src/translate/model-families";

/** The built-in family table, matched by name (src/translate/model-families.ts). */
const familyOf = (model: string) => findModelFamily(model)?.family;
const capabilitiesOf = (model: string) => findModelFamily(model)?.capabilities;

describe("Claude families by name", () => {
  test("dated snapshots, aliases and -latest names match their family, in both naming orders", () => {
    expect(familyOf("claude-3-5-haiku-20241022")).toBe("claude haiku-3.5");
    expect(familyOf("claude-3-5-haiku-latest")).toBe("claude haiku-3.5");
    expect(familyOf("claude-3-haiku-20240307")).toBe("claude haiku-3");
    expect(familyOf("claude-3-opus-latest")).toBe("claude opus-3");
    expect(familyOf("claude-3-7-sonnet-20250219")).toBe("claude sonnet-3.7");
    expect(familyOf("claude-sonnet-4-5-20250929")).toBe("claude sonnet-4.5");
    expect(familyOf("claude-sonnet-4-5")).toBe("claude sonnet-4.5");
    expect(familyOf("claude-haiku-4-5")).toBe("claude haiku-4.5");
    expect(familyOf("claude-opus-4-1-20250805")).toBe("claude opus-4.1");
    expect(familyOf("claude-opus-5-5")).toBe("claude opus-5.5");
    expect(familyOf("claude-fable-5-1")).toBe("claude fable-5.1");
  });

  test("a date is not a minor version: claude-opus-4-20250514 and the -0 alias are Opus 4", () => {
    expect(familyOf("claude-opus-4-20250514")).toBe("claude opus-4");
    expect(familyOf("claude-opus-4-0")).toBe("claude opus-4");
    expect(familyOf("claude-sonnet-4-20250514")).toBe("claude sonnet-4");
    expect(capabilitiesOf("claude-opus-4-20250514")?.maxOutputTokens).toBe(32_000);
  });

  test("provider prefixes and platform ids: OpenRouter, Bedrock (with region), Vertex", () => {
    expect(familyOf("anthropic/claude-3.5-haiku")).toBe("claude haiku-3.5");
    expect(familyOf("anthropic/claude-sonnet-4.5")).toBe("claude sonnet-4.5");
    expect(familyOf("anthropic.claude-3-5-haiku-20241022-v1:0")).toBe("claude haiku-3.5");
    expect(familyOf("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBe("claude sonnet-4.5");
    expect(familyOf("global.anthropic.claude-opus-4-6-v1")).toBe("claude opus-4.6");
    expect(familyOf("claude-3-5-haiku@20241022")).toBe("claude haiku-3.5");
    expect(familyOf("claude-sonnet-4-5@20250929")).toBe("claude sonnet-4.5");
    expect(familyOf("Claude-3-5-Haiku-Latest")).toBe("claude haiku-3.5");
    expect(bareModelName("us.anthropic.claude-haiku-4-5-20251001-v1:0")).toBe("claude-haiku-4-5-20251001-v1:0");
  });

  test("thinking: none before 3.7 Sonnet, budgets from 3.7 to 4.5, either on 4.6, adaptive only from Opus 4.7", () => {
    expect(capabilitiesOf("claude-3-5-haiku-20241022")).toEqual({ thinking: "none", maxOutputTokens: 8_192, contextWindow: 200_000 });
    expect(capabilitiesOf("claude-3-5-sonnet-20241022")?.thinking).toBe("none");
    expect(capabilitiesOf("claude-3-opus-20240229")).toEqual({ thinking: "none", maxOutputTokens: 4_096, contextWindow: 200_000 });
    expect(capabilitiesOf("claude-3-7-sonnet-latest")).toEqual({ thinking: "budget-only", maxOutputTokens: 64_000, contextWindow: 200_000 });
    expect(capabilitiesOf("claude-haiku-4-5-20251001")?.thinking).toBe("budget-only");
    // Prefills: taken up to 4.5, refused from 4.6 on (M11).
    expect(capabilitiesOf("claude-sonnet-4-5")?.assistantPrefill).toBeUndefined();
    expect(capabilitiesOf("claude-sonnet-4-6")).toEqual({ thinking: "budget-or-adaptive", maxOutputTokens: 128_000, contextWindow: 200_000, assistantPrefill: false });
    expect(capabilitiesOf("claude-opus-4-7")).toEqual({ thinking: "adaptive-only", maxOutputTokens: 128_000, defaultSamplingOnly: true, assistantPrefill: false });
    expect(capabilitiesOf("claude-sonnet-5-5")?.forcedToolChoice).toBe(false);
  });

  test("Claude 5 models without a row get their generation's thinking form, but no guessed output figure", () => {
    expect(capabilitiesOf("claude-mythos-5")).toEqual({ thinking: "adaptive-only", defaultSamplingOnly: true, assistantPrefill: false });
    expect(capabilitiesOf("claude-haiku-5-5")?.maxOutputTokens).toBeUndefined();
  });

  test("unknown names are left alone: no family, so no clamp and reasoning sent as asked", () => {
    for (const model of ["claude-mythos-preview", "claude-2.1", "claude-opus-6", "claude-sonnet-4-9", "my-finetune", "qwen3-coder", "deepseek-chat", ""]) {
      expect(findModelFamily(model)).toBeUndefined();
    }
  });
});

describe("OpenAI and Gemini families", () => {
  test("GPT output maxima, the first gpt-4o snapshot before its family, prefixes stripped", () => {
    expect(capabilitiesOf("gpt-4o")).toEqual({ thinking: "none", maxOutputTokens: 16_384, contextWindow: 128_000 });
    expect(capabilitiesOf("openai/gpt-4o-mini")?.maxOutputTokens).toBe(16_384);
    expect(capabilitiesOf("gpt-4o-2024-05-13")?.maxOutputTokens).toBe(4_096);
    expect(capabilitiesOf("chatgpt-4o-latest")?.maxOutputTokens).toBe(16_384);
    expect(capabilitiesOf("gpt-4.1-mini-2025-04-14")?.maxOutputTokens).toBe(32_768);
    expect(capabilitiesOf("gpt-4-turbo-2024-04-09")?.maxOutputTokens).toBe(4_096);
    expect(capabilitiesOf("gpt-4")?.maxOutputTokens).toBe(8_192);
    expect(capabilitiesOf("gpt-4.5-preview")).toEqual({ thinking: "none" });
    expect(capabilitiesOf("o3-mini")?.maxOutputTokens).toBe(100_000);
    expect(capabilitiesOf("o1-mini-2024-09-12")?.maxOutputTokens).toBe(65_536);
    expect(capabilitiesOf("gpt-5-codex")?.maxOutputTokens).toBe(128_000);
    expect(capabilitiesOf("gpt-5.4")?.maxOutputTokens).toBe(128_000);
    expect(capabilitiesOf("gpt-5-mini-2025-08-07")?.maxOutputTokens).toBe(128_000);
    expect(capabilitiesOf("gemini-2.5-pro")?.maxOutputTokens).toBe(65_536);
    // Context windows (truncation:"auto"): gpt-4.1's million, o-series 200k; none for GPT-5 or Gemini.
    expect(capabilitiesOf("gpt-4.1-mini-2025-04-14")?.contextWindow).toBe(1_047_576);
    expect(capabilitiesOf("o3-mini")?.contextWindow).toBe(200_000);
    expect(capabilitiesOf("gpt-5.4")?.contextWindow).toBeUndefined();
    expect(capabilitiesOf("gemini-2.5-pro")?.contextWindow).toBeUndefined();
    expect(capabilitiesOf("models/gemini-3-pro-preview")?.maxOutputTokens).toBe(65_536);
  });

  test("reasoning models keep their reasoning; variants with other or unknown figures are not guessed", () => {
    expect(capabilitiesOf("o4-mini")?.thinking).toBeUndefined();
    expect(capabilitiesOf("gpt-5")?.thinking).toBeUndefined();
    // gpt-5-pro outputs 272,000: a gpt-5 figure would cut it; chat variants and later releases are unknown.
    for (const model of ["gpt-5-pro", "gpt-5-chat-latest", "gpt-5.9", "gpt-6"]) expect(findModelFamily(model)).toBeUndefined();
  });
});
