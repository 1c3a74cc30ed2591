#pragma once

// How the gateway decodes one encoded piece of an envelope (iv, ciphertext,
// tag, or a whole raw body), for explaining a refusal: the same decoders
// (handlers/envelope.hpp) in the same order, hex first, then base64.

#include <cstddef>
#include <string_view>
#include <vector>

#include "handlers/source.hpp"

namespace rai::tool {

// The byte lengths of every reading of `text` (trimmed) under `encoding`;
// empty when it decodes in none.
std::vector<std::size_t> decoded_sizes(std::string_view text, handlers::envelope_encoding encoding);

// "base64", "hex", or "hex or base64" for auto.
std::string_view encoding_words(handlers::envelope_encoding encoding) noexcept;

}  // namespace rai::tool
