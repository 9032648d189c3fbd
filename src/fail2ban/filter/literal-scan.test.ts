/** The literal scanner finds exactly the texts that occur in a line (checked against String.includes). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "../../../bench/gen/auth-log.js";
import { type LiteralScanner, literalScanner } from "./literal-scan.js";

function naive(texts: readonly (readonly [string, number])[], stop: number, line: string): number {
  let found = 0;
  for (const [t, bits] of texts) if (line.includes(t)) found |= bits;
  // the scanner may stop at the first stop text: only whether a stop bit is there is then comparable
  return found & stop ? stop : found;
}

test("random texts over random lines: the bits of exactly the texts that occur", () => {
  const rand = seededRandom(11);
  const alphabet = "ab cAB:[]\u00e9\u4e2d";
  const word = (n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
  let compared = 0;
  for (let round = 0; round < 200; round++) {
    const texts = Array.from(
      { length: 1 + Math.floor(rand() * 6) },
      (_, i) => [word(4 + Math.floor(rand() * 5)), 1 << i] as const,
    );
    const stop = rand() < 0.5 ? 1 : 0;
    const made = literalScanner(texts, stop);
    assert.ok(made, "every text is 4 or more characters");
    const scan: LiteralScanner = made;
    for (let k = 0; k < 50; k++) {
      const line = word(Math.floor(rand() * 60));
      const planted = rand() < 0.5 ? texts[Math.floor(rand() * texts.length)][0] : "";
      const at = Math.floor(rand() * (line.length + 1));
      const full = line.slice(0, at) + planted + line.slice(at);
      const got: number = scan(full);
      assert.equal(
        got & stop ? stop : got,
        naive(texts, stop, full),
        `${JSON.stringify(texts)} in ${JSON.stringify(full)}`,
      );
      compared++;
    }
  }
  assert.equal(compared, 10_000);
});

test("texts shorter than the minimum get no scanner; no texts find nothing", () => {
  assert.equal(literalScanner([["abc", 1]], 1), undefined);
  assert.equal(literalScanner([], 1)?.("anything"), 0);
  const scan = literalScanner(
    [
      ["Failed", 1],
      ["Connection", 2],
      ["Accepted", 4],
    ],
    1,
  );
  assert.equal(scan?.("sshd[1]: Connection closed; Accepted"), 6);
  assert.equal(scan?.("Failed at the start"), 1);
  assert.equal(scan?.("at the end: Failed"), 1);
  assert.equal(scan?.("Faile d"), 0);
});
