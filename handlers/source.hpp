#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/key.hpp"
#include "crypto/webhook_signature.hpp"

namespace rai::handlers {

enum class envelope_layout { auto_detect, json, compact, raw, header_iv };
enum class envelope_encoding { auto_detect, base64, hex };

// One configured sender of outgoing webhooks (a Returning.AI community).
// Plain settings: the gateway's config layer fills it, nothing here reads files.
struct source_settings {
  std::string name;
  crypto::cipher_mode mode = crypto::cipher_mode::aes_256_gcm;
  std::vector<crypto::aes_key> keys;  // empty → the source sends plaintext JSON
  std::vector<std::string> api_keys;  // empty → no API key check
  envelope_layout layout = envelope_layout::auto_detect;
  envelope_encoding encoding = envelope_encoding::auto_detect;
  std::string iv_header = "x-iv";  // lowercase
  bool require_encryption = true;
  std::optional<crypto::webhook_secret> signing_secret;
  std::chrono::seconds signature_tolerance{300};
  // Decryptions one request may cost: envelope readings × keys tried, in try
  // order. A request that needs more is refused as undecryptable (401) once
  // this many failed. 8 covers two keys (rotation) × the four readings of an
  // ambiguous raw envelope (two encodings × two GCM IV lengths).
  std::size_t max_decrypt_attempts = 8;
};

// A problem that must stop startup (e.g. CBC with neither API key nor
// signature), as a sentence naming the setting; nullopt when the source is usable.
std::optional<std::string> validate(const source_settings& s);

}  // namespace rai::handlers
