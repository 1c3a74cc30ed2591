#pragma once

// The pure part of `decrypt` (cmd_decrypt.cpp): decrypts a body exactly as
// the gateway would, handlers::process_inbound, the gateway's own pipeline,
// over an encrypted request (x-encrypted: true) to a source with these
// settings and no API key or signature check, and when it refuses, says why
// precisely, from the gateway's own envelope reader (handlers::diagnose_envelope).

#include <optional>
#include <string>
#include <string_view>

#include "tools/cipher_profile.hpp"

namespace rai::tool {

struct decrypt_verdict {
  bool accepted = false;
  std::string plaintext;     // accepted: the exact bytes the gateway would publish
  unsigned http_status = 0;  // refused: what the gateway would answer
  std::string reason;        // refused: its reason ("decrypt_failed", "bad_envelope", ...)
  std::string explanation;   // refused: the precise cause (layout or cipher diagnosis)
};

decrypt_verdict decrypt_like_gateway(const cipher_profile& p, std::string_view body,
                                     std::optional<std::string_view> iv_header);

}  // namespace rai::tool
