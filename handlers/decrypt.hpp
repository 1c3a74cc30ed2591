#pragma once

// Internal to rai_handlers (used by inbound.cpp and the unit tests): the
// decryption step of the inbound pipeline, over the readings an
// envelope_reader produced.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "handlers/envelope.hpp"
#include "handlers/errc.hpp"
#include "handlers/json_object.hpp"
#include "handlers/source.hpp"

namespace rai::handlers {

// The work one call did, for tests: decryptions run and plaintexts checked as JSON.
struct decrypt_work {
  std::size_t decryptions = 0;
  std::size_t json_checks = 0;
};

// The members the pipeline reads from a plaintext, in this order: the event
// type fields (docs/wire-format.md §5), then the id fields (§4).
inline constexpr std::array<std::string_view, 8> plaintext_fields = {
    "event", "eventType", "event_type", "type", "id", "_id", "eventId", "event_id"};
inline constexpr std::size_t event_field_count = 4;

// What became of one reading × key (envelope_diagnosis.hpp reports them).
enum class attempt_outcome : std::uint8_t {
  bad_iv_length,          // not tried: an IV length the cipher refuses
  bad_tag_length,         // not tried: GCM, a tag that is not 16 bytes
  bad_ciphertext_length,  // not tried: CBC, not a non-zero multiple of 16 bytes
  over_budget,            // not tried: source.max_decrypt_attempts were spent
  auth_failed,            // GCM: the tag does not verify
  bad_padding,            // CBC: no valid PKCS#7 padding
  not_json_object,        // decrypted, but the plaintext is not a JSON object
  accepted,
};

// Why a reading cannot be tried at all (cheap length checks, so obviously
// wrong readings never reach OpenSSL); nullopt when its lengths suit `mode`.
std::optional<attempt_outcome> length_fault(crypto::cipher_mode mode,
                                            const envelope_candidate& c) noexcept;

// The attempts of one request in try order: each reading without a
// length_fault, with every key, at most source.max_decrypt_attempts pairs
// (issue 13: the work one request can cause is bounded). Calls
// attempt(candidate, key) for each pair; it returns false to stop.
template <typename Attempt>
void for_each_attempt(const source_settings& source, std::span<const envelope_candidate> candidates,
                      Attempt&& attempt) {
  std::size_t attempts = 0;
  for (const auto& c : candidates) {
    if (length_fault(source.mode, c)) continue;
    for (const auto& key : source.keys) {
      if (attempts == source.max_decrypt_attempts) return;
      ++attempts;
      if (!attempt(c, key)) return;
    }
  }
}

// Reads a decrypted `plaintext` as a JSON object and fills `fields` with its
// plaintext_fields, first making sure of the spare capacity simdjson reads
// past the end (decryption normally reserved it already).
bool read_plaintext(std::string& plaintext, json_fields& fields);

// Tries the plausible readings in order, each with every key, at most
// source.max_decrypt_attempts decryptions. GCM: the first reading and key
// whose tag verifies decide; a plaintext that is not a JSON object is then
// not_json_object. CBC: every attempt runs, each at the same cost whatever the
// bytes (padding checked in constant time, every decrypted text checked as
// JSON), and the first with valid padding and a JSON object wins. Nothing
// wins: decrypt_failed. On success `plaintext` is the plaintext (with spare
// capacity) and `fields` its plaintext_fields.
result<void> decrypt_readings(const source_settings& source,
                              std::span<const envelope_candidate> candidates,
                              std::string& plaintext, json_fields& fields,
                              decrypt_work* work = nullptr);

}  // namespace rai::handlers
