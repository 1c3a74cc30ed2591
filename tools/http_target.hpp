#pragma once

// --url for send: http://host[:port][/prefix]. TLS is the ingress's job in
// front of the gateway, so plain http only.

#include <string>
#include <string_view>

#include "tools/outcome.hpp"

namespace rai::tool {

struct http_target {
  std::string host;         // without brackets for IPv6
  std::string port;         // "80" when absent
  std::string host_header;  // as written in the URL ("host:port")
  std::string base_path;    // "" or "/prefix" (no trailing slash)
};

outcome<http_target> parse_http_url(std::string_view url);

}  // namespace rai::tool
