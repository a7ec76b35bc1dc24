// Istio's Bookinfo tasks end to end through the local mesh's ingress gateway, in capture mode
// REDIRECT when this host can (root + iptables), else NONE (see mesh-bookinfo-tasks-none.test.ts).
import { describeBookinfoTasks } from "../src/platform/local/mesh/testing/bookinfo-tasks.js";
import { redirectUnavailable } from "../src/platform/local/mesh/testing/mesh-fixture.js";

describeBookinfoTasks(redirectUnavailable ? "none" : "redirect");
