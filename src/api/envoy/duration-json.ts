// protobuf's JSON form of google.protobuf.Duration ("1.5s"), parsed without protobufjs so the
// proxy's config readers can use it without loading the protos (a static proxy never does).

export interface SecondsNanos { seconds: number; nanos: number }

/** Protobuf's JSON mapping bounds a Duration at ±10,000 years. */
const MAX_SECONDS = 315576000000;

/** "1.5s" → { seconds, nanos } (both negative for "-1.5s"), or undefined when the text is not a Duration. */
export function durationFromJson(text: string): SecondsNanos | undefined {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] ? -1 : 1;
  const seconds = Number(m[2]);
  const nanos = m[3] ? Number(m[3].padEnd(9, "0")) : 0;
  if (!Number.isSafeInteger(seconds) || seconds > MAX_SECONDS) return undefined;
  return { seconds: sign * seconds, nanos: sign * nanos };
}
