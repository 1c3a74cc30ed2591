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

// CBC: IV of 16 bytes, PKCS#7 padding. Bad padding → auth_failed. The
// padding is checked in constant time (pkcs7_padding_length).
result<void> cbc_decrypt(const aes_key& key, bytes_view iv, bytes_view ciphertext,
                         std::string& out);

// CBC decryption without removing or checking the padding: `out` is the whole
// decrypted text, a multiple of 16 bytes. Fails only on lengths (bad_iv_length,
// bad_length) and library errors, never on the contents, so its time depends
// on the lengths alone. The caller checks the padding with
// pkcs7_padding_length.
result<void> cbc_decrypt_unpadded(const aes_key& key, bytes_view iv, bytes_view ciphertext,
                                  std::string& out);

// The PKCS#7 padding length (1..16) of a decrypted text whose last block is
// `last_block` (16 bytes), or 0 when that padding is invalid. Runs in constant
// time: no branch or memory access depends on the bytes.
std::size_t pkcs7_padding_length(bytes_view last_block) noexcept;
result<void> cbc_encrypt(const aes_key& key, bytes_view iv, bytes_view plaintext,
                         std::string& ciphertext_out);

// Cryptographically secure random bytes (RAND_bytes).
result<void> random_bytes(std::span<std::uint8_t> out);

}  // namespace rai::crypto
