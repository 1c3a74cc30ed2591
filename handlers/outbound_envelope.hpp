#pragma once

// Sending side of docs/wire-format.md §3 ("strict in what it sends"): one layout and
// one encoding per target, chosen in config, never auto.

#include <optional>
#include <string>
#include <string_view>

#include "crypto/aes.hpp"
#include "crypto/bytes.hpp"
#include "crypto/key.hpp"
#include "handlers/errc.hpp"
#include "handlers/outbound_errc.hpp"
#include "handlers/source.hpp"

namespace rai::handlers {

// How one target wants its payload sealed. Defaults are docs/wire-format.md §7.
struct seal_settings {
  crypto::cipher_mode mode = crypto::cipher_mode::aes_256_gcm;
  envelope_layout layout = envelope_layout::json;          // auto_detect is invalid here
  envelope_encoding encoding = envelope_encoding::base64;  // auto_detect is invalid here
};

// A problem that must stop startup, as a sentence naming the setting (layout
// or encoding set to auto, or a value outside the enum); nullopt when usable.
std::optional<std::string> validate(const seal_settings& s);

// What goes on the wire. `iv_header_value` is set only for header_iv: the
// gateway sends it in the target's IV header (encoded like the body).
struct sealed_envelope {
  std::string body;
  std::optional<std::string> iv_header_value;
};

// IV sizes the sender uses: GCM 12 bytes, CBC 16 bytes.
inline constexpr std::size_t seal_gcm_iv_size = 12;
inline constexpr std::size_t seal_cbc_iv_size = crypto::cbc_iv_size;

// Encrypts `plaintext` under a fresh random IV (crypto::random_bytes, each
// call) and lays it out:
//   json      {"iv":"<enc>","data":"<enc>","tag":"<enc>"}  (no "tag" for CBC)
//   compact   <iv>:<ct>[:<tag>]
//   raw       enc(iv || ct || tag)
//   header_iv body enc(ct || tag), iv_header_value enc(iv)
// base64 is the standard alphabet, padded; hex is lowercase.
// Errors: invalid_settings (validate() refused `s`), encryption_failed.
result<sealed_envelope> seal_envelope(const seal_settings& s, const crypto::aes_key& key,
                                      std::string_view plaintext);

// The same with a caller-chosen IV (known-answer tests). The IV must be exactly
// seal_gcm_iv_size / seal_cbc_iv_size bytes, else bad_iv_length. Never reuse
// a GCM IV with one key in production.
result<sealed_envelope> seal_envelope(const seal_settings& s, const crypto::aes_key& key,
                                      std::string_view plaintext, crypto::bytes_view iv);

}  // namespace rai::handlers
