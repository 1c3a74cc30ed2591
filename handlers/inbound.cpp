#include "handlers/inbound.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include <simdjson.h>

#include "crypto/codec.hpp"
#include "crypto/hash.hpp"
#include "handlers/decrypt.hpp"
#include "handlers/envelope.hpp"
#include "handlers/event_id.hpp"
#include "handlers/json_object.hpp"
#include "handlers/utf8.hpp"

namespace rai::handlers {
namespace {

using crypto::cipher_mode;
using crypto::crypto_errc;

constexpr std::size_t gcm_short_iv = 12;
constexpr std::size_t gcm_long_iv = 16;

result<accepted_event> fail(inbound_errc e) {
  return make_error_code(e);
}

bool is_true(std::optional<std::string_view> v) noexcept {
  if (!v) return false;
  const std::string_view t = detail::trim(*v);
  if (t.size() != 4) return false;
  constexpr std::string_view want = "true";
  for (std::size_t i = 0; i < 4; ++i) {
    const char c = (t[i] >= 'A' && t[i] <= 'Z') ? static_cast<char>(t[i] - 'A' + 'a') : t[i];
    if (c != want[i]) return false;
  }
  return true;
}

// Which checks passed, as the x-auth header value. Bit 0 api-key, bit 1
// signature, bit 2 gcm, bit 3 cbc.
std::string_view auth_string(unsigned bits) noexcept {
  static constexpr std::array<std::string_view, 16> table = {
      "none", "api-key",     "signature",     "api-key,signature",
      "gcm",  "api-key,gcm", "signature,gcm", "api-key,signature,gcm",
      "cbc",  "api-key,cbc", "signature,cbc", "api-key,signature,cbc",
      "none",  // gcm and cbc together cannot happen
      "none", "none",        "none",
  };
  return table[bits & 0xF];
}

// Guarantees the spare capacity simdjson reads past the end. Decryption keeps
// the capacity reserved up front, so this normally does nothing.
void ensure_padding(std::string& s) {
  if (s.capacity() - s.size() < simdjson::SIMDJSON_PADDING) {
    s.reserve(s.size() + simdjson::SIMDJSON_PADDING);
  }
}

}  // namespace

std::optional<attempt_outcome> length_fault(cipher_mode mode,
                                            const envelope_candidate& c) noexcept {
  if (mode == cipher_mode::aes_256_gcm) {
    if (c.iv.size() != gcm_short_iv && c.iv.size() != gcm_long_iv) {
      return attempt_outcome::bad_iv_length;
    }
    if (c.tag.size() != crypto::gcm_tag_size) return attempt_outcome::bad_tag_length;
    return std::nullopt;
  }
  if (c.iv.size() != crypto::cbc_iv_size) return attempt_outcome::bad_iv_length;
  if (c.ciphertext.empty() || c.ciphertext.size() % crypto::block_size != 0) {
    return attempt_outcome::bad_ciphertext_length;
  }
  return std::nullopt;
}

bool read_plaintext(std::string& plaintext, json_fields& fields) {
  ensure_padding(plaintext);
  return read_json_object(plaintext, plaintext.capacity(), plaintext_fields, fields);
}

namespace {

// GCM: the first reading and key whose tag verifies decide. That plaintext is
// the sender's: if it is not a JSON object, the request is bad (400).
result<void> decrypt_gcm(const source_settings& source,
                         std::span<const envelope_candidate> candidates, std::string& plaintext,
                         json_fields& fields, decrypt_work& work) {
  std::optional<bool> json;  // set once a tag verified
  for_each_attempt(source, candidates,
                   [&](const envelope_candidate& c, const crypto::aes_key& key) {
                     ++work.decryptions;
                     if (!crypto::gcm_decrypt(key, c.iv, c.ciphertext, c.tag, plaintext))
                       return true;
                     ++work.json_checks;
                     json = read_plaintext(plaintext, fields);
                     return false;
                   });
  if (!json) return make_error_code(inbound_errc::decrypt_failed);
  if (!*json) return make_error_code(inbound_errc::not_json_object);
  return {};
}

// CBC is not authenticated: a wrong key, a wrong reading and a tampered
// ciphertext look alike, and a refusal must not tell an attacker (who may hold
// the API key) whether the padding was valid by the time it takes (a padding
// oracle). So every attempt does the same work whatever the bytes: decrypt
// without OpenSSL's padding check, check the padding in constant time, and
// check the text as JSON in every case (without the padding when it is valid,
// whole when not). The first attempt whose padding and JSON are both valid
// wins; the loop never ends early, and it branches on nothing but that public
// outcome. (The text checked when the padding is invalid is up to 16 bytes
// longer; what the JSON check costs depends on the text, not on the padding.)
result<void> decrypt_cbc(const source_settings& source,
                         std::span<const envelope_candidate> candidates, std::string& plaintext,
                         json_fields& fields, decrypt_work& work) {
  thread_local std::string scratch;
  scratch.reserve(plaintext.capacity());
  bool found = false;
  bool fields_current = false;  // `fields` were read from the winner
  for_each_attempt(
      source, candidates, [&](const envelope_candidate& c, const crypto::aes_key& key) {
        // Fails on lengths (public, and excluded by plausible()) or library errors only.
        ++work.decryptions;
        if (!crypto::cbc_decrypt_unpadded(key, c.iv, c.ciphertext, scratch)) return true;
        const std::size_t pad =
            crypto::pkcs7_padding_length(crypto::as_bytes(scratch).last(crypto::block_size));
        scratch.erase(scratch.size() - pad);  // pad is 0 when the padding is invalid
        ++work.json_checks;
        const bool json = read_plaintext(scratch, fields);
        const bool accepted = json & (pad != 0);
        fields_current = false;
        if (accepted && !found) {
          found = true;
          fields_current = true;
          plaintext.swap(scratch);
        }
        return true;
      });
  if (!found) return make_error_code(inbound_errc::decrypt_failed);
  // A later attempt's JSON check overwrote the fields: read the winner's again.
  if (!fields_current && !read_plaintext(plaintext, fields)) {
    return make_error_code(inbound_errc::decrypt_failed);
  }
  return {};
}

result<void> check_signature(const source_settings& source, const inbound_request& req) {
  if (!req.webhook_id || !req.webhook_timestamp || !req.webhook_signature) {
    return make_error_code(inbound_errc::signature_missing);
  }
  const auto r =
      crypto::webhook_verify(*source.signing_secret, *req.webhook_id, *req.webhook_timestamp,
                             *req.webhook_signature, req.body, req.now, source.signature_tolerance);
  if (r) return {};
  if (r.error() == crypto_errc::signature_missing) {
    return make_error_code(inbound_errc::signature_missing);
  }
  if (r.error() == crypto_errc::timestamp_too_old || r.error() == crypto_errc::timestamp_too_new) {
    return make_error_code(inbound_errc::timestamp_out_of_tolerance);
  }
  return make_error_code(inbound_errc::signature_invalid);
}

// Valid UTF-8 (RFC 3629) without C0 controls, DEL or C1 controls (U+0080 to
// U+009F): what an id may hold to reach the spool record, the AMQP message_id
// and the logs as it is.
bool printable_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return false;
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0 || c1_control(cp)) return false;
    i += n;
  }
  return true;
}

}  // namespace

result<void> decrypt_readings(const source_settings& source,
                              std::span<const envelope_candidate> candidates,
                              std::string& plaintext, json_fields& fields, decrypt_work* work) {
  std::size_t largest = 0;
  for (const auto& c : candidates) largest = std::max(largest, c.ciphertext.size());
  plaintext.reserve(largest + crypto::block_size + simdjson::SIMDJSON_PADDING);
  decrypt_work ignored;
  decrypt_work& w = work != nullptr ? *work : ignored;
  return source.mode == cipher_mode::aes_256_gcm
             ? decrypt_gcm(source, candidates, plaintext, fields, w)
             : decrypt_cbc(source, candidates, plaintext, fields, w);
}

std::string finish_event_id(std::string_view id) {
  if (id.size() <= max_event_id_length && printable_utf8(id)) return std::string(id);
  std::string out = "sha256:";
  out += crypto::sha256_hex(crypto::as_bytes(id));
  return out;
}

result<void> check_inbound_headers(const source_settings& source, const inbound_request& request) {
  // 1. API key: compared with every configured key, no early exit.
  if (!source.api_keys.empty()) {
    if (!request.api_key || request.api_key->empty())
      return make_error_code(inbound_errc::missing_api_key);
    bool match = false;
    for (const auto& k : source.api_keys) {
      match |= crypto::constant_time_equal(k, *request.api_key);
    }
    if (!match) return make_error_code(inbound_errc::bad_api_key);
  }

  // 2. Signature: its three headers, present and not empty (whether it
  // verifies depends on the body).
  const auto absent = [](const std::optional<std::string_view>& h) { return !h || h->empty(); };
  if (source.signing_secret && (absent(request.webhook_id) || absent(request.webhook_timestamp) ||
                                absent(request.webhook_signature))) {
    return make_error_code(inbound_errc::signature_missing);
  }

  // 3. x-encrypted.
  if (source.require_encryption && !is_true(request.encrypted)) {
    return make_error_code(inbound_errc::encryption_required);
  }
  return {};
}

result<accepted_event> process_inbound(const source_settings& source,
                                       std::optional<std::string_view> path_event,
                                       const inbound_request& request) {
  // An unknown {event} segment is a 404 whatever the body holds.
  std::optional<event_kind> routed_event;
  if (path_event) {
    routed_event = event_from_path(*path_event);
    if (!routed_event) return fail(inbound_errc::unknown_event);
  }

  // 1-3. What the headers alone decide: API key, signature headers, x-encrypted.
  if (auto r = check_inbound_headers(source, request); !r) return r.error();
  unsigned auth = source.api_keys.empty() ? 0u : 1u;

  // The signature over the raw body.
  if (source.signing_secret) {
    if (auto r = check_signature(source, request); !r) return r.error();
    auth |= 2u;
  }

  // A key for an encrypted body.
  const bool encrypted = is_true(request.encrypted);
  if (encrypted && source.keys.empty()) return fail(inbound_errc::no_decryption_key);

  // 4-5. Envelope and decryption, or the body itself.
  accepted_event ev;
  json_fields fields;
  if (encrypted) {
    thread_local envelope_reader reader;
    if (auto r = reader.read(source.mode, source.layout, source.encoding, request.body, request.iv);
        !r) {
      return r.error();
    }
    if (auto r = decrypt_readings(source, reader.candidates(), ev.plaintext, fields); !r) {
      return r.error();
    }
    auth |= source.mode == cipher_mode::aes_256_gcm ? 4u : 8u;
  } else {
    ev.plaintext.reserve(request.body.size() + simdjson::SIMDJSON_PADDING);
    ev.plaintext.assign(request.body);
    if (!read_plaintext(ev.plaintext, fields)) return fail(inbound_errc::not_json_object);
  }

  // Event: the path segment, else the first of the event fields that is a string.
  if (routed_event) {
    ev.event = *routed_event;
  } else {
    std::optional<std::string_view> name;
    for (std::size_t i = 0; i < event_field_count && !name; ++i) {
      if (fields[i] && fields[i]->kind == json_kind::string) name = fields[i]->text;
    }
    if (!name) return fail(inbound_errc::missing_event_type);
    const auto e = event_from_field(*name);
    if (!e) return fail(inbound_errc::unknown_event_type);
    ev.event = *e;
  }

  // Event id (§4): only what is authenticated decides. The webhook-id header
  // when the signature over it verified; else the payload's first id field
  // that is a non-empty string or an integer (any size, as written); else the
  // hash of the plaintext. Unsigned headers (x-event-id, an unverified
  // webhook-id) are never read: a captured request replayed with a fresh
  // header must stay a duplicate.
  const bool signature_verified = (auth & 2u) != 0;
  std::string_view id;
  if (signature_verified && request.webhook_id) {
    id = *request.webhook_id;
  } else {
    for (std::size_t i = event_field_count; i < plaintext_fields.size() && id.empty(); ++i) {
      if (!fields[i]) continue;
      if (fields[i]->kind == json_kind::string || fields[i]->kind == json_kind::integer) {
        id = fields[i]->text;
      }
    }
  }
  ev.id = id.empty() ? crypto::sha256_hex(crypto::as_bytes(ev.plaintext)) : finish_event_id(id);

  ev.auth = auth_string(auth);
  return ev;
}

}  // namespace rai::handlers
