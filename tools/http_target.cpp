#include "tools/http_target.hpp"

#include "tools/args.hpp"

namespace rai::tool {

outcome<http_target> parse_http_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    return usage_error("--url must start with http:// (terminate TLS at the ingress), not '" +
                       std::string(url) + "'");
  }
  std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (path.ends_with('/')) path.remove_suffix(1);

  http_target t;
  t.host_header = std::string(authority);
  t.base_path = std::string(path);
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      return usage_error("--url has an unclosed '[' in its host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return usage_error("--url: expected ':' after ']'");
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return usage_error("--url has no host");
  if (!port.empty()) {
    if (auto p = parse_number("--url port", port, 1, 65535); !p) return p.error();
  }
  t.host = std::string(host);
  t.port = port.empty() ? "80" : std::string(port);
  return t;
}

}  // namespace rai::tool
