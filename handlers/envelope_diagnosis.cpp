#include "handlers/envelope_diagnosis.hpp"

#include <string>

#include "crypto/aes.hpp"

namespace rai::handlers {
namespace {

using crypto::cipher_mode;

// One decryption as the gateway makes it, with OpenSSL's padding check for
// CBC (the gateway checks the padding in constant time instead; the outcome
// is the same).
attempt_outcome attempt(cipher_mode mode, const envelope_candidate& c, const crypto::aes_key& key) {
  std::string plaintext;
  plaintext.reserve(c.ciphertext.size() + crypto::block_size);
  const bool decrypted = mode == cipher_mode::aes_256_gcm
                             ? bool(crypto::gcm_decrypt(key, c.iv, c.ciphertext, c.tag, plaintext))
                             : bool(crypto::cbc_decrypt(key, c.iv, c.ciphertext, plaintext));
  if (!decrypted) {
    return mode == cipher_mode::aes_256_gcm ? attempt_outcome::auth_failed
                                            : attempt_outcome::bad_padding;
  }
  json_fields fields;
  return read_plaintext(plaintext, fields) ? attempt_outcome::accepted
                                           : attempt_outcome::not_json_object;
}

std::vector<decrypt_attempt> diagnose_attempts(const source_settings& source,
                                               std::span<const envelope_candidate> candidates) {
  const bool gcm = source.mode == cipher_mode::aes_256_gcm;
  // The gateway's attempts, in its order; GCM stops at the first verified tag.
  std::vector<attempt_outcome> tried;
  bool stopped = false;
  for_each_attempt(source, candidates, [&](const envelope_candidate& c, const crypto::aes_key& k) {
    tried.push_back(attempt(source.mode, c, k));
    stopped = gcm && tried.back() != attempt_outcome::auth_failed;
    return !stopped;
  });
  // Laid out per reading: for_each_attempt visits the readings without a
  // length_fault × keys in this same order, so the first tried.size() pairs
  // are the ones it tried.
  std::vector<decrypt_attempt> out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& c = candidates[i];
    decrypt_attempt a{.reading = i,
                      .iv_bytes = c.iv.size(),
                      .ciphertext_bytes = c.ciphertext.size(),
                      .tag_bytes = c.tag.size()};
    if (const auto fault = length_fault(source.mode, c)) {
      a.outcome = *fault;
      out.push_back(a);
      continue;
    }
    for (std::size_t k = 0; k < source.keys.size(); ++k) {
      if (next < tried.size()) {
        a.outcome = tried[next++];
      } else if (stopped) {
        return out;
      } else {
        a.outcome = attempt_outcome::over_budget;
      }
      a.key = k;
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace

envelope_diagnosis diagnose_envelope(const source_settings& source, std::string_view body,
                                     std::optional<std::string_view> iv_header) {
  envelope_reader reader;
  envelope_diagnosis d;
  d.layout_detected = source.layout == envelope_layout::auto_detect;
  const bool read = bool(reader.read(source.mode, source.layout, source.encoding, body, iv_header));
  d.layout = reader.layout();
  d.refusal = reader.refusal();
  if (read) d.attempts = diagnose_attempts(source, reader.candidates());
  return d;
}

}  // namespace rai::handlers
