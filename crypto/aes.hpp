#pragma once

#include <string>

#include "crypto/bytes.hpp"
#include "crypto/errc.hpp"
#include "crypto/key.hpp"

namespace rai::crypto {

enum class cipher_mode { aes_256_gcm, aes_256_cbc };

inline constexpr std::size_t gcm_tag_size = 16;
inline constexpr std::size_t cbc_iv_size = 16;
inline constexpr std::size_t block_size = 16;

// All functions use a per-thread EVP_CIPHER_CTX re-keyed on each call and
// ciphers fetched once per process, so they are cheap and thread-safe.
//
// Decryption appends nothing: `out` is resized to the plaintext length. Its
// capacity is kept, so a caller can reserve extra room (e.g. simdjson padding)
// once and reuse the buffer.

// GCM: IV of 12 or 16 bytes, tag of 16 bytes, no AAD.
result<void> gcm_decrypt(const aes_key& key, bytes_view iv, bytes_view ciphertext, bytes_view tag,
                         std::string& out);
result<void> gcm_encrypt(const aes_key& key, bytes_view iv, bytes_view plaintext,
                         std::string& ciphertext_out, std::string& tag_out);

// CBC: IV of 16 bytes, PKCS#7 padding. Bad padding → auth_failed.
result<void> cbc_decrypt(const aes_key& key, bytes_view iv, bytes_view ciphertext,
                         std::string& out);
result<void> cbc_encrypt(const aes_key& key, bytes_view iv, bytes_view plaintext,
                         std::string& ciphertext_out);

// Cryptographically secure random bytes (RAND_bytes).
result<void> random_bytes(std::span<std::uint8_t> out);

}  // namespace rai::crypto
