// Istio's Bookinfo tasks end to end in capture mode NONE (loopback addresses, the apps' HTTP_PROXY)
// when mesh-bookinfo-tasks.test.ts runs them in REDIRECT: both modes must behave the same.
import { describeBookinfoTasks } from "../src/platform/local/mesh/testing/bookinfo-tasks.js";
import { redirectUnavailable } from "../src/platform/local/mesh/testing/mesh-fixture.js";

describeBookinfoTasks("none", redirectUnavailable ? "capture NONE already runs in mesh-bookinfo-tasks.test.ts on this host" : false);
