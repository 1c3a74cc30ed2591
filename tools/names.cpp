#include "tools/names.hpp"

#include "handlers/envelope.hpp"

namespace rai::tool {

using handlers::envelope_encoding;
using handlers::envelope_layout;

std::optional<crypto::cipher_mode> mode_from_flag(std::string_view text) noexcept {
  return handlers::detail::mode_from_name(text);
}

std::optional<envelope_layout> layout_from_flag(std::string_view text) noexcept {
  if (text == "auto") return envelope_layout::auto_detect;
  if (text == "json") return envelope_layout::json;
  if (text == "compact") return envelope_layout::compact;
  if (text == "raw") return envelope_layout::raw;
  if (text == "header-iv") return envelope_layout::header_iv;
  return std::nullopt;
}

std::optional<envelope_encoding> encoding_from_flag(std::string_view text) noexcept {
  if (text == "auto") return envelope_encoding::auto_detect;
  if (text == "base64") return envelope_encoding::base64;
  if (text == "hex") return envelope_encoding::hex;
  return std::nullopt;
}

std::string_view mode_name(crypto::cipher_mode m) noexcept {
  return m == crypto::cipher_mode::aes_256_gcm ? "aes-256-gcm" : "aes-256-cbc";
}

std::string_view layout_name(envelope_layout l) noexcept {
  switch (l) {
    case envelope_layout::auto_detect:
      return "auto";
    case envelope_layout::json:
      return "json";
    case envelope_layout::compact:
      return "compact";
    case envelope_layout::raw:
      return "raw";
    case envelope_layout::header_iv:
      return "header-iv";
  }
  return "unknown";
}

std::string_view encoding_name(envelope_encoding e) noexcept {
  switch (e) {
    case envelope_encoding::auto_detect:
      return "auto";
    case envelope_encoding::base64:
      return "base64";
    case envelope_encoding::hex:
      return "hex";
  }
  return "unknown";
}

}  // namespace rai::tool
