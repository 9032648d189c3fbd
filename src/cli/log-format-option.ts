/** `--log-format json|pretty`, for every command that prints logs (serve, replay). */
import { Option } from "commander";
import { LOG_FORMATS } from "../core/log-format.js";

export function logFormatOption(): Option {
  return new Option(
    "--log-format <format>",
    "how logs are printed on stderr (default: pretty at a terminal, json otherwise; env MAMORI_LOG_FORMAT)",
  ).choices(LOG_FORMATS);
}
