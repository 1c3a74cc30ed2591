#pragma once

// The fixed source settings the fuzz targets run against. make_corpus.py
// builds its seeds with the same keys, API keys and signing secret, so keep
// the two in step.

#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/key.hpp"
#include "crypto/webhook_signature.hpp"
#include "handlers/names.hpp"
#include "handlers/source.hpp"

namespace rai::fuzz {

// Two keys per source (rotation): one plain 32-character key, one hex key.
inline constexpr std::string_view key_text_1 = "fuzz-key-one-0123456789abcdefghi";
inline constexpr std::string_view key_text_2 =
    "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr std::array<std::string_view, 2> api_keys = {"fuzz-api-key-1", "fuzz-api-key-2"};
// "whsec_" + base64("fuzz-signing-secret-0123456789ab")
inline constexpr std::string_view signing_secret =
    "whsec_ZnV6ei1zaWduaW5nLXNlY3JldC0wMTIzNDU2Nzg5YWI=";
// The request time every target uses, so seeded signatures stay valid.
inline constexpr std::chrono::seconds fixed_now{1'700'000'000};

// Every mode × layout × encoding, each without and with a signing secret, all
// with the API keys and both AES keys: 60 sources named like
// "gcm-header-iv-hex" and "cbc-json-auto-signed" (index order: mode, layout,
// encoding, signed — the last varies fastest).
inline std::vector<handlers::source_settings> make_encrypted_sources() {
  std::vector<handlers::source_settings> out;
  const auto key1 = crypto::parse_key(key_text_1).value();
  const auto key2 = crypto::parse_key(key_text_2).value();
  const auto secret = crypto::webhook_secret::parse(signing_secret).value();
  for (const auto mode : {crypto::cipher_mode::aes_256_gcm, crypto::cipher_mode::aes_256_cbc}) {
    for (const auto& layout : handlers::layout_names(handlers::name_use::receiving)) {
      for (const auto& encoding : handlers::encoding_names(handlers::name_use::receiving)) {
        for (const bool signed_source : {false, true}) {
          handlers::source_settings s;
          s.name = mode == crypto::cipher_mode::aes_256_gcm ? "gcm-" : "cbc-";
          s.name += layout.name;
          s.name += '-';
          s.name += encoding.name;
          if (signed_source) s.name += "-signed";
          s.mode = mode;
          s.keys = {key1, key2};
          s.api_keys = {std::string(api_keys[0]), std::string(api_keys[1])};
          s.layout = layout.value;
          s.encoding = encoding.value;
          if (signed_source) s.signing_secret = secret;
          out.push_back(std::move(s));
        }
      }
    }
  }
  return out;
}

// A source that sends plaintext JSON: no keys, no checks.
inline handlers::source_settings make_plain_source() {
  handlers::source_settings s;
  s.name = "plain";
  s.require_encryption = false;
  return s;
}

}  // namespace rai::fuzz
