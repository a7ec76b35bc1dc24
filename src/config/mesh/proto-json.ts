// Numbers as protobuf JSON accepts them: MeshConfig is decoded with protojson rules, which take
// integers written as JSON numbers or as decimal strings (Istio's docs write `port: "9000"`).
import { z } from "zod";
import { int32, uint32 } from "../schema/index.js";

const decimal = z.string().regex(/^-?\d+$/, "must be an integer").transform(Number);

export const protoUint32 = z.union([z.number(), decimal]).pipe(uint32);
export const protoInt32 = z.union([z.number(), decimal]).pipe(int32);
