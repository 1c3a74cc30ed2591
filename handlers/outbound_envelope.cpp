#include "handlers/outbound_envelope.hpp"

#include <array>
#include <cstdint>

#include "crypto/codec.hpp"

namespace rai::handlers {
namespace {

using crypto::cipher_mode;

bool known_mode(cipher_mode m) noexcept {
  return m == cipher_mode::aes_256_gcm || m == cipher_mode::aes_256_cbc;
}

bool sendable_layout(envelope_layout l) noexcept {
  return l == envelope_layout::json || l == envelope_layout::compact || l == envelope_layout::raw ||
         l == envelope_layout::header_iv;
}

bool sendable_encoding(envelope_encoding e) noexcept {
  return e == envelope_encoding::base64 || e == envelope_encoding::hex;
}

std::size_t iv_size_for(cipher_mode m) noexcept {
  return m == cipher_mode::aes_256_gcm ? seal_gcm_iv_size : seal_cbc_iv_size;
}

void append_encoded(std::string& out, envelope_encoding e, crypto::bytes_view bytes) {
  out += e == envelope_encoding::hex
             ? crypto::hex_encode(bytes)
             : crypto::base64_encode(bytes, crypto::base64_alphabet::standard,
                                     /*pad=*/true);
}

std::string encoded(envelope_encoding e, crypto::bytes_view bytes) {
  std::string out;
  append_encoded(out, e, bytes);
  return out;
}

}  // namespace

std::optional<std::string> validate(const seal_settings& s) {
  if (!known_mode(s.mode)) {
    return std::string("mode must be aes-256-gcm or aes-256-cbc");
  }
  if (!sendable_layout(s.layout)) {
    return std::string(
        "layout must be json, compact, raw or header-iv for sending (auto is only for "
        "receiving)");
  }
  if (!sendable_encoding(s.encoding)) {
    return std::string("encoding must be base64 or hex for sending (auto is only for receiving)");
  }
  return std::nullopt;
}

result<sealed_envelope> seal_envelope(const seal_settings& s, const crypto::aes_key& key,
                                      std::string_view plaintext) {
  if (validate(s)) return make_error_code(outbound_errc::invalid_settings);
  std::array<std::uint8_t, seal_cbc_iv_size> iv{};
  const std::span<std::uint8_t> used(iv.data(), iv_size_for(s.mode));
  if (!crypto::random_bytes(used)) return make_error_code(outbound_errc::encryption_failed);
  return seal_envelope(s, key, plaintext, crypto::bytes_view(used));
}

result<sealed_envelope> seal_envelope(const seal_settings& s, const crypto::aes_key& key,
                                      std::string_view plaintext, crypto::bytes_view iv) {
  if (validate(s)) return make_error_code(outbound_errc::invalid_settings);
  if (iv.size() != iv_size_for(s.mode)) return make_error_code(outbound_errc::bad_iv_length);

  // ct || tag in one buffer, so raw and header_iv need no further copy.
  std::string ct;
  std::string tag;
  const bool gcm = s.mode == cipher_mode::aes_256_gcm;
  const auto r = gcm ? crypto::gcm_encrypt(key, iv, crypto::as_bytes(plaintext), ct, tag)
                     : crypto::cbc_encrypt(key, iv, crypto::as_bytes(plaintext), ct);
  if (!r) return make_error_code(outbound_errc::encryption_failed);

  const auto e = s.encoding;
  sealed_envelope out;
  switch (s.layout) {
    case envelope_layout::json:
      out.body.reserve(2 * (iv.size() + ct.size() + tag.size()) + 40);
      out.body += "{\"iv\":\"";
      append_encoded(out.body, e, iv);
      out.body += "\",\"data\":\"";
      append_encoded(out.body, e, crypto::as_bytes(ct));
      if (gcm) {
        out.body += "\",\"tag\":\"";
        append_encoded(out.body, e, crypto::as_bytes(tag));
      }
      out.body += "\"}";
      break;
    case envelope_layout::compact:
      append_encoded(out.body, e, iv);
      out.body += ':';
      append_encoded(out.body, e, crypto::as_bytes(ct));
      if (gcm) {
        out.body += ':';
        append_encoded(out.body, e, crypto::as_bytes(tag));
      }
      break;
    case envelope_layout::raw: {
      std::string all;
      all.reserve(iv.size() + ct.size() + tag.size());
      all.append(crypto::as_chars(iv));
      all += ct;
      all += tag;
      out.body = encoded(e, crypto::as_bytes(all));
      break;
    }
    case envelope_layout::header_iv:
      ct += tag;
      out.body = encoded(e, crypto::as_bytes(ct));
      out.iv_header_value = encoded(e, iv);
      break;
    case envelope_layout::auto_detect:  // refused by validate() above
      return make_error_code(outbound_errc::invalid_settings);
  }
  return out;
}

}  // namespace rai::handlers
