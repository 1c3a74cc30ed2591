#pragma once

// Fixture builders shared by the handlers tests: encrypted envelopes are made
// here with the crypto module's encrypt functions, in every layout and encoding.

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/aes.hpp"
#include "crypto/bytes.hpp"
#include "crypto/codec.hpp"
#include "crypto/key.hpp"
#include "handlers/source.hpp"

namespace rai::handlers::test {

using crypto::cipher_mode;

inline crypto::aes_key make_key(std::uint8_t seed) {
  crypto::aes_key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  return k;
}

inline std::string pattern(std::size_t n, std::uint8_t seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 13);
  return s;
}

// One encryption: raw bytes of the three pieces (tag empty for CBC).
struct sealed {
  std::string iv;
  std::string ct;
  std::string tag;
};

inline sealed seal(cipher_mode mode, const crypto::aes_key& key, std::string_view plaintext,
                   std::string iv) {
  sealed s;
  s.iv = std::move(iv);
  if (mode == cipher_mode::aes_256_gcm) {
    const auto r =
        crypto::gcm_encrypt(key, crypto::as_bytes(s.iv), crypto::as_bytes(plaintext), s.ct, s.tag);
    EXPECT_TRUE(r) << "gcm_encrypt failed";
  } else {
    const auto r =
        crypto::cbc_encrypt(key, crypto::as_bytes(s.iv), crypto::as_bytes(plaintext), s.ct);
    EXPECT_TRUE(r) << "cbc_encrypt failed";
  }
  return s;
}

inline sealed seal(cipher_mode mode, const crypto::aes_key& key, std::string_view plaintext,
                   std::size_t iv_size = 0, std::uint8_t iv_seed = 1) {
  if (iv_size == 0) iv_size = mode == cipher_mode::aes_256_gcm ? 12 : 16;
  return seal(mode, key, plaintext, pattern(iv_size, iv_seed));
}

// How pieces are written on the wire.
enum class style { hex, hex_upper, b64, b64_nopad, b64_url, b64_url_nopad };

inline constexpr style all_styles[] = {style::hex,       style::hex_upper, style::b64,
                                       style::b64_nopad, style::b64_url,   style::b64_url_nopad};

inline const char* style_name(style s) {
  switch (s) {
    case style::hex:
      return "hex";
    case style::hex_upper:
      return "HEX";
    case style::b64:
      return "b64";
    case style::b64_nopad:
      return "b64nopad";
    case style::b64_url:
      return "b64url";
    case style::b64_url_nopad:
      return "b64urlnopad";
  }
  return "?";
}

inline bool is_hex_style(style s) {
  return s == style::hex || s == style::hex_upper;
}

inline std::string encode(std::string_view bytes, style s) {
  const auto b = crypto::as_bytes(bytes);
  switch (s) {
    case style::hex:
      return crypto::hex_encode(b);
    case style::hex_upper: {
      std::string h = crypto::hex_encode(b);
      for (auto& c : h) {
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
      }
      return h;
    }
    case style::b64:
      return crypto::base64_encode(b, crypto::base64_alphabet::standard, true);
    case style::b64_nopad:
      return crypto::base64_encode(b, crypto::base64_alphabet::standard, false);
    case style::b64_url:
      return crypto::base64_encode(b, crypto::base64_alphabet::url_safe, true);
    case style::b64_url_nopad:
      return crypto::base64_encode(b, crypto::base64_alphabet::url_safe, false);
  }
  return {};
}

// A request body (and IV header for header-iv) carrying `s`.
struct wire {
  std::string body;
  std::optional<std::string> iv_header;
};

struct json_names {
  std::string_view ct = "data";
  std::string_view tag = "tag";
  std::string extra;  // inserted verbatim after '{', e.g. "\"alg\":\"aes-256-gcm\","
};

inline wire make_wire(envelope_layout layout, style st, const sealed& s,
                      const json_names& names = {}) {
  wire w;
  const bool has_tag = !s.tag.empty();
  switch (layout) {
    case envelope_layout::json:
      w.body = "{" + names.extra + "\"iv\":\"" + encode(s.iv, st) + "\",\"" +
               std::string(names.ct) + "\":\"" + encode(s.ct, st) + "\"";
      if (has_tag) w.body += ",\"" + std::string(names.tag) + "\":\"" + encode(s.tag, st) + "\"";
      w.body += "}";
      break;
    case envelope_layout::compact:
      w.body = encode(s.iv, st) + ":" + encode(s.ct, st);
      if (has_tag) w.body += ":" + encode(s.tag, st);
      break;
    case envelope_layout::raw:
      w.body = encode(s.iv + s.ct + s.tag, st);
      break;
    case envelope_layout::header_iv:
      w.iv_header = encode(s.iv, st);
      w.body = encode(s.ct + s.tag, st);
      break;
    case envelope_layout::auto_detect:
      ADD_FAILURE() << "auto_detect is not a wire layout";
      break;
  }
  return w;
}

inline const char* layout_name(envelope_layout l) {
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
      return "headeriv";
  }
  return "?";
}

inline const char* mode_name(cipher_mode m) {
  return m == cipher_mode::aes_256_gcm ? "gcm" : "cbc";
}

inline std::string flip(std::string s, std::size_t index, std::uint8_t bit = 0x01) {
  s[index] = static_cast<char>(s[index] ^ bit);
  return s;
}

}  // namespace rai::handlers::test
