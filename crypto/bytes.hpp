#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace rai::crypto {

// Byte views over std::string storage: the gateway keeps bodies and plaintext
// in std::string so they can be handed to simdjson and rabbitmq-c without copies.
using bytes_view = std::span<const std::uint8_t>;

inline bytes_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(bytes_view b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace rai::crypto
