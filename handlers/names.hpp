#pragma once

// The names of envelope layouts and encodings (docs/wire-format.md §3), in one table
// each: what the config's [sources.*] and [targets.*], the
// rai-gateway-tool's flags and the benchmark accept and print. Cipher modes
// are named in crypto/cipher_names.hpp, event kinds in handlers/events.hpp.

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "handlers/source.hpp"
#include "names/name_table.hpp"

namespace rai::handlers {

// Receiving (a source, decrypting) may leave the choice to the reader with
// "auto"; sending (a target, encrypting) needs one explicit layout and encoding.
enum class name_use { receiving, sending };

using names::list_names;
using names::name_entry;

// "auto" | "json" | "compact" | "raw" | "header-iv" (no "auto" when sending),
// in the order messages list them.
std::span<const name_entry<envelope_layout>> layout_names(name_use use) noexcept;
// "auto" | "base64" | "hex" (no "auto" when sending).
std::span<const name_entry<envelope_encoding>> encoding_names(name_use use) noexcept;

std::string_view layout_name(envelope_layout l) noexcept;
std::string_view encoding_name(envelope_encoding e) noexcept;

// Exact names only; nullopt for anything else, and for "auto" when sending.
std::optional<envelope_layout> layout_from_name(std::string_view text, name_use use) noexcept;
std::optional<envelope_encoding> encoding_from_name(std::string_view text, name_use use) noexcept;

}  // namespace rai::handlers
