#include "crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>
#include <memory>

#include "crypto/codec.hpp"

namespace rai::crypto {
namespace {

// These functions return digests, not errors: an OpenSSL failure here means
// the library is broken (out of memory, provider missing). Returning a zeroed
// digest could make a MAC comparison succeed, so crash instead.
[[noreturn]] void fatal() noexcept {
  std::abort();
}

const EVP_MD* sha256_md() {
  // Fetched once per process; freed at exit after all thread-local contexts.
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md{
      EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free};
  if (!md) fatal();
  return md.get();
}

EVP_MAC* hmac_mac() {
  static const std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac{
      EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free};
  if (!mac) fatal();
  return mac.get();
}

EVP_MD_CTX* md_ctx() {
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(),
                                                                                 &EVP_MD_CTX_free};
  if (!ctx) fatal();
  return ctx.get();
}

// One HMAC context per thread with the digest set once; each call re-keys it.
EVP_MAC_CTX* hmac_ctx() {
  thread_local const std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx = [] {
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> c{EVP_MAC_CTX_new(hmac_mac()),
                                                                &EVP_MAC_CTX_free};
    if (!c) fatal();
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(c.get(), params) != 1) fatal();
    return c;
  }();
  return ctx.get();
}

sha256_digest hmac_parts(bytes_view key, const bytes_view* parts, std::size_t count) {
  EVP_MAC_CTX* ctx = hmac_ctx();
  // A null key pointer would make EVP_MAC_init keep the previous key, so an
  // empty key must still be passed as a valid pointer.
  static const unsigned char empty_key = 0;
  const unsigned char* k = key.empty() ? &empty_key : key.data();
  if (EVP_MAC_init(ctx, k, key.size(), nullptr) != 1) fatal();
  for (std::size_t i = 0; i < count; ++i) {
    if (!parts[i].empty() && EVP_MAC_update(ctx, parts[i].data(), parts[i].size()) != 1) fatal();
  }
  sha256_digest out{};
  std::size_t len = 0;
  if (EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != out.size()) fatal();
  return out;
}

}  // namespace

sha256_digest sha256(bytes_view data) {
  EVP_MD_CTX* ctx = md_ctx();
  sha256_digest out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1) fatal();
  if (!data.empty() && EVP_DigestUpdate(ctx, data.data(), data.size()) != 1) fatal();
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) fatal();
  return out;
}

std::string sha256_hex(bytes_view data) {
  const sha256_digest d = sha256(data);
  return hex_encode(d);
}

sha256_digest hmac_sha256(bytes_view key, bytes_view data) {
  return hmac_parts(key, &data, 1);
}

sha256_digest hmac_sha256_concat(bytes_view key, std::initializer_list<bytes_view> parts) {
  return hmac_parts(key, parts.begin(), parts.size());
}

}  // namespace rai::crypto
