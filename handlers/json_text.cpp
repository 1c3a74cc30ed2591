#include "handlers/json_text.hpp"

#include <cstdint>

namespace rai::handlers {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] (its code point in
// `cp`), or 0 when invalid.
std::size_t utf8_length(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t b = byte(i);
  std::size_t n = 0;
  cp = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (overlong || surrogate || cp > 0x10FFFF) return 0;
  return n;
}

// Code points that are valid but must not reach a log line or a terminal
// raw: C1 controls (U+009B is an 8-bit CSI), the bidirectional formatting
// characters that reorder what a reader sees (Trojan Source), and the line
// and paragraph separators some viewers break lines at.
bool hidden_control(std::uint32_t cp) noexcept {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void append_u_escape(std::string& out, std::uint32_t cp) {
  static constexpr char hex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex[(cp >> shift) & 0xF];
}

void append_escaped(std::string& out, std::string_view s, bool escape_quote) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::uint32_t cp = 0;
      const std::size_t n = utf8_length(s, i, cp);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        if (hidden_control(cp))
          append_u_escape(out, cp);
        else
          out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += escape_quote ? "\\\"" : "\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F)
          append_u_escape(out, c);
        else
          out += static_cast<char>(c);
    }
    ++i;
  }
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view s) {
  append_escaped(out, s, /*escape_quote=*/true);
}

void append_text_escaped(std::string& out, std::string_view s) {
  append_escaped(out, s, /*escape_quote=*/false);
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace rai::handlers
