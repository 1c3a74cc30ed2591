#include "tracing/trace_context.hpp"

#include <algorithm>

namespace rai::tracing {
namespace {

constexpr char k_hex[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not allowed by the spec
}

// Decodes exactly out.size() * 2 lower-case hex digits.
template <std::size_t N>
bool decode(std::string_view text, std::array<std::uint8_t, N>& out) noexcept {
  if (text.size() != N * 2) return false;
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

template <std::size_t N>
std::string encode(const std::array<std::uint8_t, N>& in) {
  std::string out(N * 2, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = k_hex[in[i] >> 4];
    out[2 * i + 1] = k_hex[in[i] & 0x0f];
  }
  return out;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& a) noexcept {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

std::optional<trace_context> parse_traceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags; a later version may append
  // "-" and more fields, which this version ignores (spec §3.2.4).
  if (header.size() < 55) return std::nullopt;
  std::array<std::uint8_t, 1> version{};
  std::array<std::uint8_t, 1> flags{};
  trace_context c;
  if (!decode(header.substr(0, 2), version) || version[0] == 0xff || header[2] != '-' ||
      !decode(header.substr(3, 32), c.trace) || header[35] != '-' ||
      !decode(header.substr(36, 16), c.parent) || header[52] != '-' ||
      !decode(header.substr(53, 2), flags))
    return std::nullopt;
  if (version[0] == 0 ? header.size() != 55 : (header.size() > 55 && header[55] != '-'))
    return std::nullopt;
  if (all_zero(c.trace) || all_zero(c.parent)) return std::nullopt;
  c.flags = flags[0];
  return c;
}

std::string format_traceparent(const trace_context& c) {
  return format_traceparent(c.trace, c.parent, c.flags);
}

std::string format_traceparent(const trace_id& trace, const span_id& parent, std::uint8_t flags) {
  std::string out(55, '-');
  out[0] = '0';
  out[1] = '0';
  for (std::size_t i = 0; i < trace.size(); ++i) {
    out[3 + 2 * i] = k_hex[trace[i] >> 4];
    out[4 + 2 * i] = k_hex[trace[i] & 0x0f];
  }
  for (std::size_t i = 0; i < parent.size(); ++i) {
    out[36 + 2 * i] = k_hex[parent[i] >> 4];
    out[37 + 2 * i] = k_hex[parent[i] & 0x0f];
  }
  out[53] = k_hex[flags >> 4];
  out[54] = k_hex[flags & 0x0f];
  return out;
}

std::array<char, 32> hex_chars(const trace_id& id) noexcept {
  std::array<char, 32> out;
  for (std::size_t i = 0; i < id.size(); ++i) {
    out[2 * i] = k_hex[id[i] >> 4];
    out[2 * i + 1] = k_hex[id[i] & 0x0f];
  }
  return out;
}

namespace {

bool lcalpha(char c) noexcept {
  return c >= 'a' && c <= 'z';
}
bool digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool key_char(char c) noexcept {
  return lcalpha(c) || digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

// simple-key = lcalpha 0*255(key_char);
// multi-tenant-key = (lcalpha / DIGIT) 0*240(key_char) "@" lcalpha 0*13(key_char).
bool valid_key(std::string_view key) noexcept {
  if (key.empty()) return false;
  const auto at = key.find('@');
  const auto all_key_chars = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), key_char);
  };
  if (at == std::string_view::npos)
    return key.size() <= 256 && lcalpha(key[0]) && all_key_chars(key.substr(1));
  const std::string_view tenant = key.substr(0, at);
  const std::string_view system = key.substr(at + 1);
  return !tenant.empty() && tenant.size() <= 241 && (lcalpha(tenant[0]) || digit(tenant[0])) &&
         all_key_chars(tenant.substr(1)) && !system.empty() && system.size() <= 14 &&
         lcalpha(system[0]) && all_key_chars(system.substr(1));
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr;
// nblk-chr = %x21-2B / %x2D-3C / %x3E-7E.
bool valid_value(std::string_view value) noexcept {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool valid_tracestate(std::string_view header) noexcept {
  if (header.size() > max_tracestate_length) return false;
  std::size_t members = 0;
  while (true) {
    const auto comma = header.find(',');
    const std::string_view member = trim_ows(header.substr(0, comma));
    if (!member.empty()) {
      const auto eq = member.find('=');
      if (eq == std::string_view::npos || ++members > 32 || !valid_key(member.substr(0, eq)) ||
          !valid_value(member.substr(eq + 1)))
        return false;
    }
    if (comma == std::string_view::npos) return true;
    header.remove_prefix(comma + 1);
  }
}

std::string to_hex(const trace_id& id) {
  return encode(id);
}
std::string to_hex(const span_id& id) {
  return encode(id);
}

}  // namespace rai::tracing
