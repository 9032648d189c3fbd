/** The jail keys the ipset action reads besides `port` and `protocol`, and its port check. */
import { z } from "zod";
import { nonEmpty } from "../../core/config.js";
import { checkMultiport } from "../../core/ports.js";

export const ipsetActionSchema = z.strictObject({
  chain: nonEmpty.optional(),
  blocktype: z.enum(["drop", "reject"]).default("reject"),
});

/** Its rules use iptables multiport: 15 ports at most (a range counts as two). */
export const checkIpsetAction = checkMultiport;
