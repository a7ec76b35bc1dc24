// The list of sub-commands. Each command lives in its own file under ./commands and is listed here explicitly.
export interface Command {
  name: string;
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

export const commands: Command[] = [];
