#include "tools/piece_decoding.hpp"

#include <string>

#include "handlers/envelope.hpp"

namespace rai::tool {

using handlers::envelope_encoding;

std::vector<std::size_t> decoded_sizes(std::string_view text, envelope_encoding encoding) {
  text = handlers::detail::trim(text);
  std::vector<std::size_t> sizes;
  std::string scratch;
  const auto attempt = [&](bool hex) {
    scratch.clear();
    const bool ok = hex ? handlers::detail::hex_decode_append(text, scratch)
                        : handlers::detail::base64_decode_append(text, scratch);
    if (ok) sizes.push_back(scratch.size());
  };
  switch (encoding) {
    case envelope_encoding::hex:
      attempt(true);
      break;
    case envelope_encoding::base64:
      attempt(false);
      break;
    case envelope_encoding::auto_detect:
      if (handlers::detail::looks_hex(text)) attempt(true);
      attempt(false);
      break;
  }
  return sizes;
}

std::string_view encoding_words(envelope_encoding encoding) noexcept {
  switch (encoding) {
    case envelope_encoding::hex:
      return "hex";
    case envelope_encoding::base64:
      return "base64";
    case envelope_encoding::auto_detect:
      break;
  }
  return "hex or base64";
}

}  // namespace rai::tool
