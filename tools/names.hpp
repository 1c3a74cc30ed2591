#pragma once

// The spellings of modes, layouts and encodings on the command line, the
// same words the gateway's config uses.

#include <optional>
#include <string_view>

#include "crypto/aes.hpp"
#include "handlers/source.hpp"

namespace rai::tool {

// "aes-256-gcm" | "aes-256-cbc" (also "gcm", "cbc", any case, '-'/'_' ignored).
std::optional<crypto::cipher_mode> mode_from_flag(std::string_view text) noexcept;
// "auto" | "json" | "compact" | "raw" | "header-iv".
std::optional<handlers::envelope_layout> layout_from_flag(std::string_view text) noexcept;
// "auto" | "base64" | "hex".
std::optional<handlers::envelope_encoding> encoding_from_flag(std::string_view text) noexcept;

std::string_view mode_name(crypto::cipher_mode m) noexcept;
std::string_view layout_name(handlers::envelope_layout l) noexcept;
std::string_view encoding_name(handlers::envelope_encoding e) noexcept;

}  // namespace rai::tool
