// Reads the pre-NAT destination of a REDIRECTed TCP connection (SO_ORIGINAL_DST /
// IP6T_SO_ORIGINAL_DST) from an accepted socket's file descriptor. Node has no API for it.
#include <node_api.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter_ipv4.h>

#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static napi_value make_result(napi_env env, const char* addr, unsigned port) {
  napi_value obj, a, p;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, addr, NAPI_AUTO_LENGTH, &a);
  napi_create_uint32(env, port, &p);
  napi_set_named_property(env, obj, "address", a);
  napi_set_named_property(env, obj, "port", p);
  return obj;
}

// getOriginalDst(fd) -> { address, port } | null (null when the socket was not redirected).
static napi_value get_original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "MIZZEN_ERR_ORIGINAL_DST", "getOriginalDst expects a file descriptor");
    return NULL;
  }
  char text[INET6_ADDRSTRLEN];
  struct sockaddr_in v4;
  socklen_t len = sizeof(v4);
  memset(&v4, 0, sizeof(v4));
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &v4, &len) == 0 && v4.sin_family == AF_INET) {
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
    return make_result(env, text, ntohs(v4.sin_port));
  }
  struct sockaddr_in6 v6;
  len = sizeof(v6);
  memset(&v6, 0, sizeof(v6));
  if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &v6, &len) == 0 && v6.sin6_family == AF_INET6) {
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
    return make_result(env, text, ntohs(v6.sin6_port));
  }
  napi_value nul;
  napi_get_null(env, &nul);
  return nul;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "getOriginalDst", NAPI_AUTO_LENGTH, get_original_dst, NULL, &fn);
  napi_set_named_property(env, exports, "getOriginalDst", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
