#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "crypto/bytes.hpp"

namespace rai::crypto {

using sha256_digest = std::array<std::uint8_t, 32>;

sha256_digest sha256(bytes_view data);
std::string sha256_hex(bytes_view data);
sha256_digest hmac_sha256(bytes_view key, bytes_view data);
// HMAC-SHA256 of the concatenation of `parts`, without building it in memory.
sha256_digest hmac_sha256_concat(bytes_view key, std::initializer_list<bytes_view> parts);

}  // namespace rai::crypto
