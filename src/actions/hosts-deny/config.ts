/** The jail keys the hosts-deny action reads. */
import { z } from "zod";
import { nonEmpty, pathString } from "../../core/config.js";

export const hostsDenyActionSchema = z.strictObject({
  /** the file to write (default /etc/hosts.deny); relative to the config file's folder */
  hosts_deny: pathString.optional(),
  /** the tcp-wrappers daemon list of the line (default: from the jail's filter) */
  daemon: nonEmpty.optional(),
});
