/**
 * The stream a file's events go to: the placeholders of shared/stream-template.ts (`{hostname}`,
 * `{instance_id}`, `{agent}`, `{agent_id}`) and `{filename}` (the base name).
 */
import path from "node:path";
import { expandStream, resolveInstanceId, type StreamNames } from "../shared/stream-template.js";

export { resolveInstanceId };

/** Compiles the template once; the result maps a file path to its stream name. */
export function streamNamer(
  template: string,
  names: StreamNames | string,
  instanceId: () => string,
): (file: string) => string {
  const fixed = expandStream(template, typeof names === "string" ? { hostname: names } : names, instanceId);
  if (!fixed.includes("{filename}")) return () => fixed;
  return (file) => fixed.replaceAll("{filename}", path.basename(file));
}
