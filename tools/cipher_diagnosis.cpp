#include "tools/cipher_diagnosis.hpp"

#include "crypto/aes.hpp"
#include "handlers/envelope.hpp"
#include "handlers/outbound_command.hpp"

namespace rai::tool {
namespace {

using crypto::cipher_mode;

// How far one reading of the envelope got; the furthest one is reported.
struct finding {
  int rank = 0;  // 1 length, 2 cipher refused, 3 decrypted but not a JSON object
  std::string text;
};

std::string key_words(std::size_t keys) {
  return keys == 1 ? "the key" : "any of the " + std::to_string(keys) + " keys";
}

finding examine_gcm(const handlers::source_settings& s, const handlers::envelope_candidate& c) {
  if (c.iv.size() != 12 && c.iv.size() != 16) {
    return {1, "bad IV length: " + std::to_string(c.iv.size()) +
                   " bytes; aes-256-gcm takes a 12-byte (or 16-byte) IV"};
  }
  if (c.tag.size() != crypto::gcm_tag_size) {
    return {1, "bad tag length: " + std::to_string(c.tag.size()) + " bytes; the GCM tag is 16"};
  }
  std::string out;
  for (const auto& key : s.keys) {
    if (crypto::gcm_decrypt(key, c.iv, c.ciphertext, c.tag, out)) {
      return {3,
              "bad plaintext: the GCM tag verifies but the plaintext is not a UTF-8 JSON object"};
    }
  }
  return {2, "bad tag: GCM authentication failed with " + key_words(s.keys.size()) +
                 " (a wrong key, or the IV, ciphertext or tag was altered)"};
}

finding examine_cbc(const handlers::source_settings& s, const handlers::envelope_candidate& c) {
  if (c.iv.size() != crypto::cbc_iv_size) {
    return {1, "bad IV length: " + std::to_string(c.iv.size()) +
                   " bytes; aes-256-cbc takes a 16-byte IV"};
  }
  if (c.ciphertext.empty() || c.ciphertext.size() % crypto::block_size != 0) {
    return {1, "bad ciphertext length: " + std::to_string(c.ciphertext.size()) +
                   " bytes, not a non-zero multiple of 16 (aes-256-cbc)"};
  }
  std::string out;
  for (const auto& key : s.keys) {
    if (crypto::cbc_decrypt(key, c.iv, c.ciphertext, out)) {
      if (handlers::is_json_object(out)) continue;  // the gateway would have accepted it
      return {3,
              "bad plaintext: the CBC padding is valid but the plaintext is not a JSON object "
              "(most likely a wrong key or IV: CBC cannot tell them apart)"};
    }
  }
  return {2, "bad padding: CBC decryption with " + key_words(s.keys.size()) +
                 " does not end in valid PKCS#7 padding (a wrong key or IV, or an altered "
                 "ciphertext)"};
}

}  // namespace

std::string explain_decrypt_failure(const handlers::source_settings& s, std::string_view body,
                                    std::optional<std::string_view> iv_header) {
  handlers::envelope_reader reader;
  if (!reader.read(s.mode, s.layout, s.encoding, body, iv_header)) {
    return "the envelope cannot be taken apart";
  }
  finding best;
  for (const auto& c : reader.candidates()) {
    finding f = s.mode == cipher_mode::aes_256_gcm ? examine_gcm(s, c) : examine_cbc(s, c);
    if (f.rank > best.rank) best = std::move(f);
  }
  if (best.rank == 0) return "no reading of the envelope could be decrypted";
  return best.text;
}

}  // namespace rai::tool
