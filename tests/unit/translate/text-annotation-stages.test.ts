import { beforeAll, describe, expect, test } from "bun:test";
import type { CanonicalEvent } from "../../../src/canonical/types";
import { createOutputTrimmer } from "../../../src/translate/output-floor";
import { createBlockSerializer } from "../../../src/translate/serialize-blocks";
import { loadTokenTrimmer } from "../../../src/tokens/truncate-tokens";

/** C06: a text block's streamed citations (`text_annotation`) move with their block through the stream stages. */
const citation = { type: "web_search_result_location", url: "https://bun.sh", title: "Bun" };

beforeAll(loadTokenTrimmer);

describe("C06 text_annotation through the stream stages", () => {
  test("the block serializer holds a held block's citation with it, and replays it inside the block", () => {
    const serialize = createBlockSerializer();
    const events: CanonicalEvent[] = [
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "block_start", index: 1, block: { type: "text" } },
      { type: "text_annotation", index: 1, annotation: citation },
      { type: "text_delta", index: 1, text: "later" },
      { type: "text_delta", index: 0, text: "first" },
      { type: "block_stop", index: 1 },
      { type: "block_stop", index: 0 },
    ];
    expect(events.flatMap(serialize)).toEqual([events[0]!, events[4]!, events[6]!, events[1]!, events[2]!, events[3]!, events[5]!]);
  });

  test("the output trimmer drops the citation of a block it dropped and passes those of blocks it kept", () => {
    const trim = createOutputTrimmer(1);
    const events: CanonicalEvent[] = [
      { type: "block_start", index: 0, block: { type: "text" } },
      { type: "text_annotation", index: 0, annotation: citation },
      { type: "text_delta", index: 0, text: "Hello there, how are you?" },
      { type: "block_stop", index: 0 },
      { type: "block_start", index: 1, block: { type: "text" } },
      { type: "text_annotation", index: 1, annotation: citation },
      { type: "block_stop", index: 1 },
    ];
    const kept = events.flatMap(trim);
    expect(kept.filter((event) => event.type === "text_annotation") as CanonicalEvent[]).toEqual([events[1]!]);
  });
});
