#include "tools/http_target.hpp"

namespace rai::tool {

outcome<http_target> parse_http_url(std::string_view url) {
  auto parsed = gateway::parse_url(url);
  if (!parsed || parsed->tls) {
    return usage_error(
        "--url must be http://host[:port][/prefix] (plain http: terminate TLS at the ingress), "
        "not '" +
        std::string(url) + "'");
  }
  std::string_view path = parsed->target;
  if (path.find('?') != std::string_view::npos)
    return usage_error("--url must not have a query: '" + std::string(url) + "'");
  while (path.ends_with('/')) path.remove_suffix(1);

  http_target t;
  t.base_path = std::string(path);
  t.url = std::move(*parsed);
  t.url.target.assign(1, '/');  // not = "/": a false -Wrestrict at -O3 (GCC bug 105651)
  return t;
}

}  // namespace rai::tool
