#pragma once

// Helpers for the crypto tests. Deliberately independent of crypto/codec.hpp,
// so a codec bug cannot hide behind the vectors that are decoded with it.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/bytes.hpp"

namespace rai::crypto::test {

inline int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  throw std::invalid_argument("bad hex in test vector");
}

// Hex (either case) → bytes; "-" is the empty string (vectors.txt convention).
inline std::string unhex(std::string_view hex) {
  if (hex == "-") return {};
  if (hex.size() % 2 != 0) throw std::invalid_argument("odd hex in test vector");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  return out;
}

inline std::string tohex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

template <class Array>
std::string tohex_array(const Array& a) {
  return tohex(std::string_view(reinterpret_cast<const char*>(a.data()), a.size()));
}

inline bytes_view bv(const std::string& s) {
  return as_bytes(s);
}

}  // namespace rai::crypto::test
