#pragma once

// Decoding one UTF-8 sequence (RFC 3629), for every reader in handlers/ that
// has to look at code points: the JSON reader, the id check and the
// escapers of logs and responses.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rai::handlers {

// Length (2-4) of the valid multi-byte UTF-8 sequence starting at s[i], with
// its code point in `cp`; 0 when it is not one (an ASCII byte, a stray
// continuation byte, a truncated sequence, an overlong form, a surrogate, or
// anything above U+10FFFF).
constexpr std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept {
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
  if (n > s.size() - i) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (overlong || surrogate || cp > 0x10FFFF) return 0;
  return n;
}

// The C1 controls, U+0080-U+009F (U+009B is an 8-bit CSI).
constexpr bool c1_control(std::uint32_t cp) noexcept {
  return cp >= 0x80 && cp <= 0x9F;
}

}  // namespace rai::handlers
