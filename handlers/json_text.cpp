#include "handlers/json_text.hpp"

#include <cstdint>

#include "handlers/utf8.hpp"

namespace rai::handlers {
namespace {

// Code points that are valid but must not reach a log line or a terminal
// raw: C1 controls (U+009B is an 8-bit CSI), the bidirectional formatting
// characters that reorder what a reader sees (Trojan Source), and the line
// and paragraph separators some viewers break lines at.
bool hidden_control(std::uint32_t cp) noexcept {
  return c1_control(cp) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
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
      const std::size_t n = utf8_sequence(s, i, cp);
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
