// Where proxy-status and proxy-config find the control plane: the --cp-address flag, else the
// running local mesh recorded in the state directory (as kubectl finds its cluster), else 15014.
import { readMeshState, stateDirOf } from "../platform/local/mesh/state.js";

export const DEFAULT_MONITORING_ADDRESS = "127.0.0.1:15014";

export function controlPlaneAddress(flag: string | undefined, stateDirFlag: string | undefined): string {
  if (flag !== undefined) return flag;
  const mesh = readMeshState(stateDirOf(stateDirFlag));
  return mesh?.controlPlane ? `127.0.0.1:${mesh.controlPlane.monitoringPort}` : DEFAULT_MONITORING_ADDRESS;
}
