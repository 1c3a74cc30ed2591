#include "crypto/codec.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstdint>

namespace rai::crypto {
namespace {

constexpr char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char hex_digits[] = "0123456789abcdef";

constexpr std::uint8_t invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_base64_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = invalid;
  for (std::uint8_t i = 0; i < 64; ++i) {
    t[static_cast<unsigned char>(std_alphabet[i])] = i;
    t[static_cast<unsigned char>(url_alphabet[i])] = i;
  }
  return t;
}

constexpr std::array<std::uint8_t, 256> make_hex_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = invalid;
  for (std::uint8_t i = 0; i < 10; ++i) t['0' + i] = i;
  for (std::uint8_t i = 0; i < 6; ++i) {
    t['a' + i] = static_cast<std::uint8_t>(10 + i);
    t['A' + i] = static_cast<std::uint8_t>(10 + i);
  }
  return t;
}

constexpr auto base64_table = make_base64_table();
constexpr auto hex_table = make_hex_table();

inline std::uint8_t b64(char c) noexcept {
  return base64_table[static_cast<unsigned char>(c)];
}
inline std::uint8_t hx(char c) noexcept {
  return hex_table[static_cast<unsigned char>(c)];
}

}  // namespace

std::string base64_encode(bytes_view in, base64_alphabet alphabet, bool pad) {
  const char* const a = alphabet == base64_alphabet::url_safe ? url_alphabet : std_alphabet;
  const std::size_t full = in.size() / 3;
  const std::size_t rem = in.size() % 3;
  std::size_t out_len = full * 4;
  if (rem != 0) out_len += pad ? 4 : rem + 1;

  std::string out(out_len, '\0');
  char* o = out.data();
  const std::uint8_t* p = in.data();
  for (std::size_t i = 0; i < full; ++i, p += 3) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    *o++ = a[(v >> 18) & 0x3F];
    *o++ = a[(v >> 12) & 0x3F];
    *o++ = a[(v >> 6) & 0x3F];
    *o++ = a[v & 0x3F];
  }
  if (rem == 1) {
    const std::uint32_t v = std::uint32_t{p[0]} << 16;
    *o++ = a[(v >> 18) & 0x3F];
    *o++ = a[(v >> 12) & 0x3F];
    if (pad) {
      *o++ = '=';
      *o++ = '=';
    }
  } else if (rem == 2) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8);
    *o++ = a[(v >> 18) & 0x3F];
    *o++ = a[(v >> 12) & 0x3F];
    *o++ = a[(v >> 6) & 0x3F];
    if (pad) *o++ = '=';
  }
  return out;
}

result<std::string> base64_decode(std::string_view in) {
  // Strip padding: only allowed when it completes a 4-character group.
  std::size_t n = in.size();
  if (n != 0 && in[n - 1] == '=') {
    if (n % 4 != 0) return crypto_errc::bad_encoding;
    --n;
    if (in[n - 1] == '=') --n;
    // "xx==" leaves 2 data chars, "xxx=" leaves 3. A third '=' ("x===",
    // "====") stays in the data part, where it is an invalid character.
  }
  const std::size_t rem = n % 4;
  if (rem == 1) return crypto_errc::bad_encoding;

  const std::size_t full = n / 4;
  std::string out(full * 3 + (rem == 0 ? 0 : rem - 1), '\0');
  auto* o = reinterpret_cast<std::uint8_t*>(out.data());
  const char* p = in.data();
  std::uint8_t bad = 0;  // accumulates the `invalid` bit, checked once at the end
  for (std::size_t i = 0; i < full; ++i, p += 4) {
    const std::uint8_t a = b64(p[0]), b = b64(p[1]), c = b64(p[2]), d = b64(p[3]);
    bad |= a | b | c | d;
    const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                            (std::uint32_t{c} << 6) | std::uint32_t{d};
    *o++ = static_cast<std::uint8_t>(v >> 16);
    *o++ = static_cast<std::uint8_t>(v >> 8);
    *o++ = static_cast<std::uint8_t>(v);
  }
  if (rem == 2) {
    const std::uint8_t a = b64(p[0]), b = b64(p[1]);
    bad |= a | b;
    if ((b & 0x0F) != 0) bad |= invalid;  // non-zero trailing bits
    *o++ = static_cast<std::uint8_t>((a << 2) | (b >> 4));
  } else if (rem == 3) {
    const std::uint8_t a = b64(p[0]), b = b64(p[1]), c = b64(p[2]);
    bad |= a | b | c;
    if ((c & 0x03) != 0) bad |= invalid;  // non-zero trailing bits
    *o++ = static_cast<std::uint8_t>((a << 2) | (b >> 4));
    *o++ = static_cast<std::uint8_t>((b << 4) | (c >> 2));
  }
  // Valid 6-bit values never have the top bit set; `invalid` (0xFF) does.
  if ((bad & 0x80) != 0) return crypto_errc::bad_encoding;
  return out;
}

std::string hex_encode(bytes_view in) {
  std::string out(in.size() * 2, '\0');
  char* o = out.data();
  for (const std::uint8_t b : in) {
    *o++ = hex_digits[b >> 4];
    *o++ = hex_digits[b & 0x0F];
  }
  return out;
}

result<std::string> hex_decode(std::string_view in) {
  if (in.size() % 2 != 0) return crypto_errc::bad_encoding;
  std::string out(in.size() / 2, '\0');
  std::uint8_t bad = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint8_t hi = hx(in[2 * i]), lo = hx(in[2 * i + 1]);
    bad |= hi | lo;
    out[i] = static_cast<char>((hi << 4) | (lo & 0x0F));
  }
  if ((bad & 0x80) != 0) return crypto_errc::bad_encoding;
  return out;
}

bool is_hex(std::string_view in) noexcept {
  if (in.empty() || in.size() % 2 != 0) return false;
  std::uint8_t bad = 0;
  for (const char c : in) bad |= hx(c);
  return (bad & 0x80) == 0;
}

}  // namespace rai::crypto
