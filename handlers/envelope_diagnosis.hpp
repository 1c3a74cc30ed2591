#pragma once

// Why an encrypted body was refused, in detail, for an operator holding the
// key (rai-gateway-tool decrypt). The gateway answers one opaque status on
// purpose (no padding oracle); this reads the body with the gateway's own
// envelope_reader (same field aliases, same decoders, same refusals) and
// makes the gateway's own attempts (same readings, keys, order and budget),
// recording what became of each. Not on the request path: the gateway never
// calls it.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "handlers/decrypt.hpp"
#include "handlers/envelope.hpp"
#include "handlers/source.hpp"

namespace rai::handlers {

struct decrypt_attempt {
  std::size_t reading = 0;                        // in the reader's try order
  std::optional<std::size_t> key = std::nullopt;  // index into source.keys; nullopt: a length_fault
  attempt_outcome outcome = attempt_outcome::auth_failed;
  std::size_t iv_bytes = 0;  // the reading's lengths
  std::size_t ciphertext_bytes = 0;
  std::size_t tag_bytes = 0;
};

struct envelope_diagnosis {
  envelope_layout layout = envelope_layout::auto_detect;  // as read (auto resolved)
  bool layout_detected = false;                           // source.layout was auto
  envelope_refusal refusal;                               // fault none: taken apart
  // When taken apart: every reading with a length_fault, and every reading ×
  // key the gateway would try (or would not, for the budget), per reading in
  // try order. GCM stops where the gateway does, at the first verified tag.
  std::vector<decrypt_attempt> attempts;
};

envelope_diagnosis diagnose_envelope(const source_settings& source, std::string_view body,
                                     std::optional<std::string_view> iv_header);

}  // namespace rai::handlers
