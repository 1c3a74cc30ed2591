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
  std::string out = "00-";
  out += encode(c.trace);
  out += '-';
  out += encode(c.parent);
  out += '-';
  out += k_hex[c.flags >> 4];
  out += k_hex[c.flags & 0x0f];
  return out;
}

std::string to_hex(const trace_id& id) {
  return encode(id);
}
std::string to_hex(const span_id& id) {
  return encode(id);
}

}  // namespace rai::tracing
