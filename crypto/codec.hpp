#pragma once

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

// Length-aware constant-time equality: runs in time that depends only on the
// lengths, never on where the contents differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace rai::crypto
