/** Port lists of the firewall actions; parsed in core so the jails' config checks use the same code. */
export {
  multiportPorts,
  nftPorts,
  type PortRange,
  type Protocol,
  parsePorts,
  parseServices,
} from "../core/ports.js";
