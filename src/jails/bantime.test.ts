import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jailSchema } from "../config/schema.js";
import { banSeconds } from "./bantime.js";

const cfg = (over: Record<string, unknown>) =>
  jailSchema.parse({ name: "j", filter: "sshd", group: "g", ...over });

describe("bantime.increment", () => {
  const cases: Array<{
    name: string;
    over: Record<string, unknown>;
    count: number;
    rnd?: number;
    want: number;
  }> = [
    { name: "off: the plain bantime", over: { bantime: 600 }, count: 7, want: 600 },
    {
      name: "forever stays forever",
      over: { bantime: -1, bantime_increment: { enabled: true } },
      count: 3,
      want: -1,
    },
    {
      name: "first ban: 2^0",
      over: { bantime: 600, bantime_increment: { enabled: true } },
      count: 0,
      want: 600,
    },
    {
      name: "third ban: 2^2",
      over: { bantime: 600, bantime_increment: { enabled: true } },
      count: 2,
      want: 2400,
    },
    {
      name: "factor multiplies",
      over: { bantime: 60, bantime_increment: { enabled: true, factor: 3 } },
      count: 1,
      want: 360,
    },
    {
      name: "the exponent stops at 20",
      over: { bantime: 1, bantime_increment: { enabled: true } },
      count: 50,
      want: 2 ** 20,
    },
    {
      name: "maxtime caps",
      over: { bantime: "10m", bantime_increment: { enabled: true, maxtime: "1h" } },
      count: 4,
      want: 3600,
    },
    {
      name: "multipliers by count",
      over: { bantime: 60, bantime_increment: { enabled: true, multipliers: [1, 5, 30] } },
      count: 1,
      want: 300,
    },
    {
      name: "multipliers: the last for higher counts",
      over: { bantime: 60, bantime_increment: { enabled: true, multipliers: [1, 5, 30] } },
      count: 9,
      want: 1800,
    },
    {
      name: "multipliers with factor",
      over: { bantime: 60, bantime_increment: { enabled: true, multipliers: [1, 5], factor: 2 } },
      count: 1,
      want: 600,
    },
    {
      name: "multipliers capped by maxtime",
      over: { bantime: 60, bantime_increment: { enabled: true, multipliers: [1, 100], maxtime: 3000 } },
      count: 1,
      want: 3000,
    },
    {
      name: "rndtime adds a random share after the cap",
      over: { bantime: 60, bantime_increment: { enabled: true, maxtime: 100, rndtime: 10 } },
      count: 3,
      rnd: 0.5,
      want: 105,
    },
    {
      name: "rndtime with rng 0 adds nothing",
      over: { bantime: 60, bantime_increment: { enabled: true, rndtime: 10 } },
      count: 0,
      rnd: 0,
      want: 60,
    },
  ];
  for (const c of cases) {
    it(c.name, () =>
      assert.equal(
        banSeconds(cfg(c.over), c.count, () => c.rnd ?? 0),
        c.want,
      ),
    );
  }
});
