// The list of sub-commands. Each command lives in its own file under ./commands and is listed here explicitly.
import { controlPlaneCommand } from "./commands/control-plane.js";
import { proxyConfigCommand } from "./commands/proxy-config.js";
import { proxyStatusCommand } from "./commands/proxy-status.js";
export interface Command {
  name: string;
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

export const commands: Command[] = [];
commands.push(controlPlaneCommand, proxyStatusCommand, proxyConfigCommand);
import { validateCommand } from "./commands/validate.js";
import { analyzeCommand } from "./commands/analyze.js";
commands.push(validateCommand, analyzeCommand);
import { proxyCommand } from "./commands/proxy.js";
commands.push(proxyCommand);
import { initCaptureCommand } from "./commands/init-capture.js";
commands.push(initCaptureCommand);
import { upCommand } from "./commands/up.js";
import { demoCommand } from "./commands/demo.js";
import { downCommand } from "./commands/down.js";
import { statusCommand } from "./commands/status.js";
import { applyCommand } from "./commands/apply.js";
import { deleteCommand } from "./commands/delete.js";
import { getCommand } from "./commands/get.js";
import { logsCommand } from "./commands/logs.js";
commands.push(upCommand, downCommand, statusCommand, applyCommand, deleteCommand, getCommand, logsCommand, demoCommand);
