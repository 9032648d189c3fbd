/** TOTP/HOTP against the RFCs' own test vectors, base32, scrypt hashes and API token parsing. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashPassword, OWASP_SCRYPT, verifyPassword } from "./password.js";
import { newApiToken, parseApiToken } from "./secrets.js";
import { base32Decode, base32Encode, hotp, totp, verifyTotp } from "./totp.js";

const SEEDS = {
  sha1: Buffer.from("12345678901234567890"),
  sha256: Buffer.from("12345678901234567890123456789012"),
  sha512: Buffer.from("1234567890123456789012345678901234567890123456789012345678901234"),
};

/** RFC 6238 appendix B: time (s) → 8-digit TOTP per algorithm */
const RFC6238: Array<[number, string, string, string]> = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("TOTP (RFC 6238) and HOTP (RFC 4226)", () => {
  it("gives the RFC 4226 appendix D values", () => {
    const want = [
      "755224",
      "287082",
      "359152",
      "969429",
      "338314",
      "254676",
      "287922",
      "162583",
      "399871",
      "520489",
    ];
    assert.deepEqual(
      want.map((_, i) => hotp(SEEDS.sha1, i)),
      want,
    );
  });

  for (const [t, sha1, sha256, sha512] of RFC6238)
    it(`gives the RFC 6238 values at T=${t}`, () => {
      assert.equal(totp(SEEDS.sha1, t * 1000, 8, "sha1"), sha1);
      assert.equal(totp(SEEDS.sha256, t * 1000, 8, "sha256"), sha256);
      assert.equal(totp(SEEDS.sha512, t * 1000, 8, "sha512"), sha512);
    });

  it("accepts the code of now and one step either side, nothing further", () => {
    const secret = base32Encode(SEEDS.sha1);
    const now = 1111111111_000;
    const code = (at: number) => totp(SEEDS.sha1, at);
    assert.ok(verifyTotp(secret, code(now), now));
    assert.ok(verifyTotp(secret, code(now - 30_000), now));
    assert.ok(verifyTotp(secret, code(now + 30_000), now));
    assert.ok(!verifyTotp(secret, code(now - 90_000), now));
    for (const bad of ["", "12345", "1234567", "abcdef", "12 456"])
      assert.ok(!verifyTotp(secret, bad, now), bad);
  });

  it("round-trips base32 (RFC 4648 vectors)", () => {
    assert.equal(base32Encode(Buffer.from("foobar")), "MZXW6YTBOI");
    assert.equal(base32Encode(Buffer.from("f")), "MY");
    assert.equal(base32Decode("MZXW6YTBOI======").toString(), "foobar");
    assert.equal(base32Decode("mzxw 6ytb oi").toString(), "foobar");
    assert.throws(() => base32Decode("M1"), /base32/);
  });
});

describe("passwords (scrypt)", () => {
  it("verifies the OWASP-cost hash of the right password only", async () => {
    const h = await hashPassword("correct horse battery");
    assert.match(h, /^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(OWASP_SCRYPT.logN, 17);
    assert.ok(await verifyPassword("correct horse battery", h));
    assert.ok(!(await verifyPassword("correct horse batterY", h)));
  });

  it("never matches a malformed or hostile stored hash", async () => {
    for (const bad of [
      "",
      "scrypt$",
      "bcrypt$1$2$3$4$5",
      "scrypt$40$8$1$AAAA$AAAA",
      "scrypt$x$8$1$AAAA$AAAA",
    ])
      assert.equal(await verifyPassword("x", bad), false, bad);
  });
});

describe("API tokens", () => {
  it("parses what it makes and nothing else", () => {
    const t = newApiToken();
    assert.deepEqual(parseApiToken(t.token), { id: t.id, secret: t.secret });
    for (const bad of [
      "",
      "mmr_",
      `mmr_${t.id}`,
      `xyz_${t.id}_${t.secret}`,
      `${t.token}\n`,
      `mmr_${t.id}_${t.secret}x`,
    ])
      assert.equal(parseApiToken(bad), undefined, JSON.stringify(bad));
  });
});

describe("password check slots", () => {
  it("runs at most `size` at once, queues up to maxWaiting, refuses beyond", async () => {
    const { Slots } = await import("./slots.js");
    const slots = new Slots(2, 1);
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const job = () =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
        return "done";
      });
    const a = job();
    const b = job();
    const c = job();
    const d = await job(); // the queue (1) is full
    assert.equal(d, undefined);
    while (gates.length < 2) await new Promise((r) => setImmediate(r));
    gates.shift()?.();
    assert.deepEqual(await a, { value: "done" });
    while (gates.length < 2) await new Promise((r) => setImmediate(r));
    for (const g of gates.splice(0)) g();
    assert.deepEqual(await b, { value: "done" });
    assert.deepEqual(await c, { value: "done" });
    assert.equal(most, 2);
  });
});
