#pragma once

// Why the gateway could not take a body apart (inbound_errc::bad_envelope or
// mode_mismatch), in precise words: which layout was read, which piece is
// missing or badly encoded, or which length is too short.

#include <optional>
#include <string>
#include <string_view>

#include "handlers/source.hpp"

namespace rai::tool {

// "bad layout (json): no tag field (tag, authTag or auth_tag); aes-256-gcm needs one", ...
std::string explain_layout(const handlers::source_settings& s, std::string_view body,
                           std::optional<std::string_view> iv_header);

}  // namespace rai::tool
