// constant_time_equal and its digests (declared in crypto/codec.hpp).
//
// The digest is SHA-256 over a secret 64-byte block followed by the input: a
// keyed hash whose output never leaves the process (only the comparison's
// result does), so length extension does not matter and collision resistance
// is all that is asked. It uses OpenSSL's low-level SHA-256 because its state
// is a plain struct: the state after the key block is computed once per
// process and copied by value for each digest. The EVP interface would
// duplicate a provider context (an allocation) per digest, several times
// slower on the per-request API-key check.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstdlib>

#include "crypto/codec.hpp"

namespace rai::crypto {
namespace {

// The state after absorbing the key block: random, drawn once per process.
// Without a CSPRNG the process cannot do any cryptography, and a predictable
// key would let an attacker search for colliding inputs offline: abort.
const SHA256_CTX& keyed_state() noexcept {
  static const SHA256_CTX state = [] {
    std::array<unsigned char, 64> key{};
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) std::abort();
    SHA256_CTX c;
    if (SHA256_Init(&c) != 1 || SHA256_Update(&c, key.data(), key.size()) != 1) std::abort();
    OPENSSL_cleanse(key.data(), key.size());
    return c;
  }();
  return state;
}

}  // namespace

comparison_digest digest_for_comparison(std::string_view s) noexcept {
  SHA256_CTX c = keyed_state();
  comparison_digest out{};
  if (SHA256_Update(&c, s.data(), s.size()) != 1 || SHA256_Final(out.data(), &c) != 1) {
    std::abort();
  }
  OPENSSL_cleanse(&c, sizeof c);
  return out;
}

bool constant_time_equal(const comparison_digest& a, const comparison_digest& b) noexcept {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // No early return on the lengths: both digests are always computed.
  const comparison_digest da = digest_for_comparison(a);
  const comparison_digest db = digest_for_comparison(b);
  return constant_time_equal(da, db);
}

}  // namespace rai::crypto
