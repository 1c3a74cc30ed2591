#pragma once

// The names of the cipher modes, in one table: what the config, the
// rai-gateway-tool's flags, the benchmark and a json envelope's "alg"/"mode"
// field say (docs/wire-format.md §3).

#include <array>
#include <optional>
#include <string_view>

#include "crypto/aes.hpp"
#include "names/name_table.hpp"

namespace rai::crypto {

// Every mode under its canonical name, in the order messages list them.
inline constexpr std::array<names::name_entry<cipher_mode>, 2> cipher_mode_names{{
    {"aes-256-gcm", cipher_mode::aes_256_gcm},
    {"aes-256-cbc", cipher_mode::aes_256_cbc},
}};

// "aes-256-gcm" | "aes-256-cbc".
std::string_view cipher_mode_name(cipher_mode m) noexcept;

// The canonical name exactly (the config's spelling); anything else → nullopt.
std::optional<cipher_mode> cipher_mode_from_name(std::string_view text) noexcept;

// Any spelling a sender or an operator might use: the canonical name or its
// short form ("gcm", "cbc"), in any case, with '-' and '_' ignored
// ("AES_256_GCM", "aes256gcm", "Gcm"); anything else → nullopt.
std::optional<cipher_mode> cipher_mode_from_loose_name(std::string_view text) noexcept;

}  // namespace rai::crypto
