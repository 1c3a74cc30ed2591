#include "handlers/inbound.hpp"

#include <array>
#include <charconv>
#include <cstdint>

#include <simdjson.h>

#include "crypto/codec.hpp"
#include "crypto/hash.hpp"
#include "handlers/envelope.hpp"
#include "handlers/event_id.hpp"

namespace rai::handlers {
namespace {

using crypto::cipher_mode;
using crypto::crypto_errc;

constexpr std::size_t gcm_short_iv = 12;
constexpr std::size_t gcm_long_iv = 16;

result<accepted_event> fail(inbound_errc e) {
  return make_error_code(e);
}

// The plaintext parser. Only used after the envelope has been decoded, and its
// document is read before the next request on this thread.
simdjson::dom::parser& plaintext_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
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

// Cheap length checks, so obviously wrong readings never reach OpenSSL.
bool plausible(cipher_mode mode, const envelope_candidate& c) noexcept {
  if (mode == cipher_mode::aes_256_gcm) {
    return (c.iv.size() == gcm_short_iv || c.iv.size() == gcm_long_iv) &&
           c.tag.size() == crypto::gcm_tag_size;
  }
  return c.iv.size() == crypto::cbc_iv_size && !c.ciphertext.empty() &&
         c.ciphertext.size() % crypto::block_size == 0;
}

// Parses `text` (which has SIMDJSON_PADDING spare capacity) as a JSON object.
bool parse_object(const std::string& text, simdjson::dom::object& out) {
  const simdjson::padded_string_view view(text.data(), text.size(), text.capacity());
  return !plaintext_parser().parse(view).get_object().get(out);
}

// Guarantees the spare capacity simdjson reads past the end. Decryption keeps
// the capacity reserved up front, so this normally does nothing.
void ensure_padding(std::string& s) {
  if (s.capacity() - s.size() < simdjson::SIMDJSON_PADDING) {
    s.reserve(s.size() + simdjson::SIMDJSON_PADDING);
  }
}

// Tries every candidate with every key; see wire-format §5 for what each mode accepts.
result<void> decrypt(const source_settings& source, std::span<const envelope_candidate> candidates,
                     std::string& plaintext, simdjson::dom::object& root) {
  std::size_t largest = 0;
  for (const auto& c : candidates) largest = std::max(largest, c.ciphertext.size());
  plaintext.reserve(largest + crypto::block_size + simdjson::SIMDJSON_PADDING);

  const bool gcm = source.mode == cipher_mode::aes_256_gcm;
  for (const auto& c : candidates) {
    if (!plausible(source.mode, c)) continue;
    for (const auto& key : source.keys) {
      const auto r = gcm ? crypto::gcm_decrypt(key, c.iv, c.ciphertext, c.tag, plaintext)
                         : crypto::cbc_decrypt(key, c.iv, c.ciphertext, plaintext);
      if (!r) continue;
      ensure_padding(plaintext);
      if (parse_object(plaintext, root)) return {};
      // GCM authenticated this exact plaintext: it is the sender's, and it is bad.
      // CBC cannot tell bad plaintext from a wrong key, so it keeps trying.
      if (gcm) return make_error_code(inbound_errc::not_json_object);
    }
  }
  return make_error_code(inbound_errc::decrypt_failed);
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

constexpr std::array<std::string_view, 4> event_fields = {"event", "eventType", "event_type",
                                                          "type"};
constexpr std::array<std::string_view, 4> id_fields = {"id", "_id", "eventId", "event_id"};

template <std::size_t N>
int field_index(const std::array<std::string_view, N>& names, std::string_view key) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == key) return static_cast<int>(i);
  }
  return -1;
}

// Longest decimal int64/uint64 is 20 digits plus a sign.
using number_text = std::array<char, 24>;

// A usable id value: a non-empty string, or an integer (as its decimal text,
// which is exactly how valid JSON writes it).
bool id_value(simdjson::dom::element v, number_text& buf, std::string_view& out) noexcept {
  switch (v.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s;
      if (v.get_string().get(s) || s.empty()) return false;
      out = s;
      return true;
    }
    case simdjson::dom::element_type::INT64: {
      std::int64_t i = 0;
      if (v.get_int64().get(i)) return false;
      const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), i);
      out = std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
      return true;
    }
    case simdjson::dom::element_type::UINT64: {
      std::uint64_t u = 0;
      if (v.get_uint64().get(u)) return false;
      const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), u);
      out = std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

std::string finish_event_id(std::string_view id) {
  if (id.size() <= max_event_id_length) return std::string(id);
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
  simdjson::dom::object root;
  if (encrypted) {
    thread_local envelope_reader reader;
    if (auto r = reader.read(source.mode, source.layout, source.encoding, request.body, request.iv);
        !r) {
      return r.error();
    }
    if (auto r = decrypt(source, reader.candidates(), ev.plaintext, root); !r) return r.error();
    auth |= source.mode == cipher_mode::aes_256_gcm ? 4u : 8u;
  } else {
    ev.plaintext.reserve(request.body.size() + simdjson::SIMDJSON_PADDING);
    ev.plaintext.assign(request.body);
    if (!parse_object(ev.plaintext, root)) return fail(inbound_errc::not_json_object);
  }

  // One pass over the top-level fields for the event type and the id.
  std::array<std::optional<simdjson::dom::element>, event_fields.size()> event_values;
  std::array<std::optional<simdjson::dom::element>, id_fields.size()> id_values;
  for (const auto field : root) {
    if (const int i = field_index(event_fields, field.key); i >= 0) {
      if (!event_values[i]) event_values[i] = field.value;
    } else if (const int j = field_index(id_fields, field.key); j >= 0) {
      if (!id_values[j]) id_values[j] = field.value;
    }
  }

  // Event.
  if (routed_event) {
    ev.event = *routed_event;
  } else {
    std::optional<std::string_view> name;
    for (const auto& v : event_values) {
      std::string_view s;
      if (v && !v->get_string().get(s)) {
        name = s;
        break;
      }
    }
    if (!name) return fail(inbound_errc::missing_event_type);
    const auto e = event_from_field(*name);
    if (!e) return fail(inbound_errc::unknown_event_type);
    ev.event = *e;
  }

  // Event id (§4).
  std::string_view id;
  number_text number;
  if (request.webhook_id && !request.webhook_id->empty()) {
    id = *request.webhook_id;
  } else if (request.event_id && !request.event_id->empty()) {
    id = *request.event_id;
  } else {
    for (const auto& v : id_values) {
      if (v && id_value(*v, number, id)) break;
    }
  }
  if (id.empty()) {
    ev.id = crypto::sha256_hex(crypto::as_bytes(ev.plaintext));
  } else {
    ev.id = finish_event_id(id);
  }

  ev.auth = auth_string(auth);
  return ev;
}

}  // namespace rai::handlers
