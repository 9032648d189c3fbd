/**
 * Checks of the file sources' settings that the schema cannot express: a `datetime_format` with an
 * unknown strftime directive is reported at its place by `config check` (and a reload), instead of the
 * source failing when it starts.
 */
import type { DeepCheck } from "../../config/deep-checks.js";
import type { ConfigProblem } from "../../core/errors.js";
import { compileDatetimeFormat, DatetimeFormatError } from "../../core/timestamp.js";

export const fileSourceChecks: DeepCheck = (config, locate) => {
  const problems: ConfigProblem[] = [];
  config.sources.forEach((s, i) => {
    if (s.type !== "file" || s.datetime_format === undefined) return;
    try {
      compileDatetimeFormat(s.datetime_format);
    } catch (err) {
      if (!(err instanceof DatetimeFormatError)) throw err;
      problems.push(locate(["sources", i, "datetime_format"], err.message));
    }
  });
  return problems;
};
