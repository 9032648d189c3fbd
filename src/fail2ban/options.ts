/** `name[opt=value, opt2="value, with comma"]` as fail2ban's helpers.extractOptions parses it. */

const OPTION = /^([^[]+)(?:\[(.*)\])?\s*$/s;
const OPTION_EXTRACT =
  /\s*([\w\-_.]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))(?:,|\]\s*\[|$|(?<wrngA>.+))|,?\s*$|(?<wrngB>.+)/gs;

export function extractOptions(option: string): { name: string; options: Record<string, string> } {
  const m = OPTION.exec(option);
  if (!m) throw new Error(`unexpected option syntax in "${option}"; write name[key=value, ...]`);
  const options: Record<string, string> = {};
  const optstr = m[2];
  if (optstr) {
    for (const om of optstr.matchAll(OPTION_EXTRACT)) {
      if (om.index === optstr.length && om[0] === "") break;
      if (om.groups?.wrngA)
        throw new Error(
          `unexpected syntax at ${om.index} after option "${om[1]}": ${om.groups.wrngA.slice(0, 25)}`,
        );
      if (om.groups?.wrngB)
        throw new Error(`expected option, wrong syntax at ${om.index}: ${om.groups.wrngB.slice(0, 25)}`);
      const opt = om[1];
      if (!opt) continue;
      const value = om[2] ?? om[3] ?? om[4] ?? "";
      options[opt.trim()] = value.trim();
    }
  }
  return { name: m[1], options };
}
