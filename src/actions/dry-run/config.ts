/** The dry-run action reads no jail keys of its own. */
import { z } from "zod";

export const dryRunActionSchema = z.strictObject({});
