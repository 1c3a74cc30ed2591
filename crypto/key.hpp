#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "crypto/errc.hpp"

namespace rai::crypto {

using aes_key = std::array<std::uint8_t, 32>;

// "32 characters" → those 32 bytes; "hex:" + 64 hex digits; "base64:" + base64
// of exactly 32 bytes. Anything else → crypto_errc::bad_key. Never echoes the input.
result<aes_key> parse_key(std::string_view text);

}  // namespace rai::crypto
