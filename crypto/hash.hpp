#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "crypto/bytes.hpp"

namespace rai::crypto {

using sha256_digest = std::array<std::uint8_t, 32>;

sha256_digest sha256(bytes_view data);
std::string sha256_hex(bytes_view data);
sha256_digest hmac_sha256(bytes_view key, bytes_view data);

}  // namespace rai::crypto
