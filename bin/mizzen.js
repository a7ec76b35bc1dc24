#!/usr/bin/env node
// Entry point of the `mizzen` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).
// `mizzen proxy` is a long-running sidecar: it loads only its own command module, not the CLI's
// registry (which pulls in every command and its dependencies, ~20 MB of resident memory).
const args = process.argv.slice(2);
const run =
  args[0] === "proxy"
    ? import("../dist/src/cli/commands/proxy.js").then(({ proxyCommand }) => proxyCommand.run(args.slice(1)))
    : import("../dist/src/cli/main.js").then(({ main }) => main(args));

run.then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
