#include "redis/url.hpp"

#include <charconv>
#include <optional>

#include "redis/errc.hpp"

namespace rai::redis {
namespace {

std::optional<unsigned> hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const auto hi = hex_digit(s[i + 1]);
    const auto lo = hex_digit(s[i + 2]);
    if (!hi || !lo) return std::nullopt;
    out.push_back(static_cast<char>(*hi * 16 + *lo));
    i += 2;
  }
  return out;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  if (s.empty() || s.size() > 5) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

boost::system::result<endpoint> parse_url(std::string_view url) {
  const auto bad = make_error_code(redis_errc::bad_url);
  for (const char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return bad;
  }
  constexpr std::string_view scheme = "redis://";
  if (url.size() < scheme.size()) return bad;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if ((url[i] | 0x20) != scheme[i]) return bad;  // the scheme is case-insensitive
  std::string_view rest = url.substr(scheme.size());

  endpoint out;
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      const auto n = number<unsigned>(db);
      if (!n) return bad;
      out.db = *n;
    }
  }
  // The last '@' ends the userinfo: a password may hold an unencoded '@'.
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view info = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = info.find(':');
    if (colon == std::string_view::npos) {
      // redis://secret@host: a lone userinfo is the password (as redis-cli reads it).
      auto password = percent_decode(info);
      if (!password) return bad;
      out.password = std::move(*password);
    } else {
      auto user = percent_decode(info.substr(0, colon));
      auto password = percent_decode(info.substr(colon + 1));
      if (!user || !password) return bad;
      out.user = std::move(*user);
      out.password = std::move(*password);
    }
    if (!out.user.empty() && out.password.empty()) return bad;  // a user needs a password
  }

  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad;
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad;
      port = after.substr(1);
      if (port.empty()) return bad;
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad;
    }
  }
  if (out.host.empty()) return bad;
  for (const char c : out.host)
    if (c == '@' || c == '[' || c == ']' || c == '%' || c == '?' || c == '#') return bad;
  if (!port.empty()) {
    const auto p = number<unsigned>(port);
    if (!p || *p == 0 || *p > 65535) return bad;
    out.port = static_cast<std::uint16_t>(*p);
  }
  return out;
}

std::string redacted(const endpoint& e) {
  std::string out = "redis://";
  if (!e.password.empty()) out += e.user + ":***@";
  // Appends only: g++ 12 -O3 reports a false -Wrestrict on "[" + host + "]".
  const bool ipv6 = e.host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += e.host;
  if (ipv6) out += ']';
  out += ':';
  out += std::to_string(e.port);
  out += '/';
  out += std::to_string(e.db);
  return out;
}

}  // namespace rai::redis
