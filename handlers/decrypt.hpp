#pragma once

// Internal to rai_handlers (used by inbound.cpp and the unit tests): the
// decryption step of the inbound pipeline, over the readings an
// envelope_reader produced.

#include <array>
#include <cstddef>
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
// type fields (wire-format §5), then the id fields (§4).
inline constexpr std::array<std::string_view, 8> plaintext_fields = {
    "event", "eventType", "event_type", "type", "id", "_id", "eventId", "event_id"};
inline constexpr std::size_t event_field_count = 4;

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
