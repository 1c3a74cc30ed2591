#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/bytes.hpp"
#include "crypto/errc.hpp"

namespace rai::crypto {

enum class base64_alphabet { standard, url_safe };

// Encodes with the standard or URL-safe alphabet, with or without '=' padding.
std::string base64_encode(bytes_view in, base64_alphabet alphabet = base64_alphabet::standard,
                          bool pad = true);

// Accepts the standard and URL-safe alphabets (not mixed within one input is
// not required: '+' '/' '-' '_' are all accepted), padded or unpadded. Rejects
// whitespace, bad characters, impossible lengths and non-zero trailing bits.
result<std::string> base64_decode(std::string_view in);

std::string hex_encode(bytes_view in);                // lowercase
result<std::string> hex_decode(std::string_view in);  // either case, even length
bool is_hex(std::string_view in) noexcept;            // non-empty, even length, all hex digits

// A fixed-size stand-in for a secret, for comparing it in constant time:
// SHA-256 of a 64-byte key drawn at random once per process followed by `s`
// (crypto/compare.cpp). Equal inputs give equal digests; finding two unequal
// inputs with equal digests would break SHA-256.
using comparison_digest = std::array<std::uint8_t, 32>;
comparison_digest digest_for_comparison(std::string_view s) noexcept;

// Constant-time equality of two comparison digests.
bool constant_time_equal(const comparison_digest& a, const comparison_digest& b) noexcept;

// Constant-time equality of two strings, lengths included: both are reduced
// to comparison digests and those are compared, so neither where the contents
// differ nor whether the lengths differ shows in the time taken (only each
// input's own length, which the digest has to read, does).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace rai::crypto
