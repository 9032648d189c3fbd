/** The jail keys the nftables action reads besides `port` and `protocol`. */
import { z } from "zod";

export const nftablesActionSchema = z.strictObject({
  blocktype: z.enum(["drop", "reject"]).default("reject"),
});
