// nginx as the reference keep-alive reverse proxy: one worker, upstream keepalive, no logs.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function nginxConfig(dir: string, listenPort: number, upstreamPort: number): string {
  return `worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${listenPort} reuseport;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
    }
  }
}
`;
}

export function writeNginxConfig(dir: string, listenPort: number, upstreamPort: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "nginx.conf");
  writeFileSync(file, nginxConfig(dir, listenPort, upstreamPort));
  return file;
}

/** Is `cmd` on the PATH? */
export function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Makes sure nginx and wrk exist: installs them when root, else says how and exits 1. */
export function ensureTools(): void {
  const missing = ["nginx", "wrk"].filter((c) => !has(c));
  if (missing.length === 0) return;
  const cmd = "apt-get install -y nginx wrk";
  if (process.getuid?.() === 0) {
    process.stdout.write(`installing ${missing.join(", ")}: ${cmd}\n`);
    execFileSync("sh", ["-c", `DEBIAN_FRONTEND=noninteractive ${cmd} || (apt-get update && DEBIAN_FRONTEND=noninteractive ${cmd})`], { stdio: "inherit" });
    return;
  }
  process.stderr.write(`the benchmark needs ${missing.join(" and ")}; run: sudo ${cmd}\n`);
  process.exit(1);
}
