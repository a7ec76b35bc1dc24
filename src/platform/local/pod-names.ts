// Pod names as Kubernetes gives a Deployment's pods: `<deployment>-<template hash>-<5 random>`,
// both from Kubernetes' "safe" alphabet (no vowels, no look-alike digits).
import { createHash } from "node:crypto";

const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** A stable 10-character hash of the pod template (as pod-template-hash). */
export function templateHash(template: unknown): string {
  const digest = createHash("sha256").update(JSON.stringify(template) ?? "").digest();
  let out = "";
  for (let i = 0; i < 10; i++) out += SAFE[(digest[i] as number) % SAFE.length];
  return out;
}

/** Five random characters; `random` returns [0, 1) (tests pass a seeded one). */
export function randomSuffix(random: () => number = Math.random): string {
  let out = "";
  for (let i = 0; i < 5; i++) out += SAFE[Math.floor(random() * SAFE.length) % SAFE.length];
  return out;
}

export function podName(deployment: string, hash: string, suffix: string): string {
  return `${deployment}-${hash}-${suffix}`;
}
