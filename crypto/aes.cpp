#include "crypto/aes.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>

namespace rai::crypto {
namespace {

// EVP lengths are ints; bodies are limited far below this anyway.
constexpr std::size_t max_input = static_cast<std::size_t>(INT_MAX) - 2 * block_size;

struct cipher_deleter {
  void operator()(EVP_CIPHER* c) const noexcept { EVP_CIPHER_free(c); }
};
struct ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

// Explicitly fetched once per process: passing a fetched cipher avoids the
// per-call implicit fetch of OpenSSL 3. Null if the provider lacks it.
const EVP_CIPHER* gcm_cipher() {
  static const std::unique_ptr<EVP_CIPHER, cipher_deleter> c{
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)};
  return c.get();
}
const EVP_CIPHER* cbc_cipher() {
  static const std::unique_ptr<EVP_CIPHER, cipher_deleter> c{
      EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)};
  return c.get();
}

// One context per thread, reused and re-keyed on every call.
EVP_CIPHER_CTX* thread_ctx() {
  thread_local const std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter> ctx{EVP_CIPHER_CTX_new()};
  return ctx.get();
}

// Leaves nothing behind in OpenSSL's per-thread error queue: a stale entry
// would confuse the next TLS operation on this thread (SSL_get_error).
crypto_errc fail(crypto_errc e) noexcept {
  ERR_clear_error();
  return e;
}

// Discards any (possibly unauthenticated) output, keeping the capacity.
void wipe(std::string& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

using init_fn = int (*)(EVP_CIPHER_CTX*, const EVP_CIPHER*, const unsigned char*,
                        const unsigned char*, const OSSL_PARAM[]);

// Prepares the thread's context for `cipher` with `key` and `iv`. The cipher is
// only (re)installed when it differs from the context's current one, so the
// steady state allocates nothing. For GCM the IV length is set before the IV
// itself is installed, because the provider copies as many IV bytes as the
// context's IV length at the time of the keying call.
bool init(EVP_CIPHER_CTX* ctx, init_fn fn, const EVP_CIPHER* cipher, const aes_key& key,
          bytes_view iv, bool set_iv_length) {
  const EVP_CIPHER* current = EVP_CIPHER_CTX_get0_cipher(ctx);
  if (current != cipher && fn(ctx, cipher, nullptr, nullptr, nullptr) != 1) return false;
  if (set_iv_length) {
    std::size_t iv_len = iv.size();
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
        OSSL_PARAM_construct_end(),
    };
    if (fn(ctx, nullptr, nullptr, nullptr, params) != 1) return false;
    if (EVP_CIPHER_CTX_get_iv_length(ctx) != static_cast<int>(iv.size())) return false;
  }
  return fn(ctx, nullptr, key.data(), iv.data(), nullptr) == 1;
}

bool gcm_iv_ok(bytes_view iv) noexcept {
  return iv.size() == 12 || iv.size() == 16;
}

// Casts a std::string's storage for EVP output.
unsigned char* writable(std::string& s) noexcept {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace

result<void> gcm_decrypt(const aes_key& key, bytes_view iv, bytes_view ciphertext, bytes_view tag,
                         std::string& out) {
  wipe(out);
  if (!gcm_iv_ok(iv)) return crypto_errc::bad_iv_length;
  if (tag.size() != gcm_tag_size) return crypto_errc::bad_tag_length;
  if (ciphertext.size() > max_input) return crypto_errc::bad_length;
  const EVP_CIPHER* cipher = gcm_cipher();
  EVP_CIPHER_CTX* ctx = thread_ctx();
  if (cipher == nullptr || ctx == nullptr) return fail(crypto_errc::internal);
  if (!init(ctx, &EVP_DecryptInit_ex2, cipher, key, iv, true)) return fail(crypto_errc::internal);

  out.resize(ciphertext.size());
  int len = 0;
  if (!ciphertext.empty() && EVP_DecryptUpdate(ctx, writable(out), &len, ciphertext.data(),
                                               static_cast<int>(ciphertext.size())) != 1) {
    wipe(out);
    return fail(crypto_errc::internal);
  }
  std::array<unsigned char, gcm_tag_size> tag_copy{};
  std::copy(tag.begin(), tag.end(), tag_copy.begin());
  const OSSL_PARAM tag_params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag_copy.data(),
                                        tag_copy.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_CIPHER_CTX_set_params(ctx, tag_params) != 1) {
    wipe(out);
    return fail(crypto_errc::internal);
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx, writable(out) + len, &final_len) != 1) {
    wipe(out);
    return fail(crypto_errc::auth_failed);
  }
  out.resize(static_cast<std::size_t>(len) + static_cast<std::size_t>(final_len));
  return {};
}

result<void> gcm_encrypt(const aes_key& key, bytes_view iv, bytes_view plaintext,
                         std::string& ciphertext_out, std::string& tag_out) {
  ciphertext_out.clear();
  tag_out.clear();
  if (!gcm_iv_ok(iv)) return crypto_errc::bad_iv_length;
  if (plaintext.size() > max_input) return crypto_errc::bad_length;
  const EVP_CIPHER* cipher = gcm_cipher();
  EVP_CIPHER_CTX* ctx = thread_ctx();
  if (cipher == nullptr || ctx == nullptr) return fail(crypto_errc::internal);
  if (!init(ctx, &EVP_EncryptInit_ex2, cipher, key, iv, true)) return fail(crypto_errc::internal);

  ciphertext_out.resize(plaintext.size());
  int len = 0;
  int final_len = 0;
  if ((!plaintext.empty() &&
       EVP_EncryptUpdate(ctx, writable(ciphertext_out), &len, plaintext.data(),
                         static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx, writable(ciphertext_out) + len, &final_len) != 1) {
    ciphertext_out.clear();
    return fail(crypto_errc::internal);
  }
  ciphertext_out.resize(static_cast<std::size_t>(len) + static_cast<std::size_t>(final_len));

  tag_out.resize(gcm_tag_size);
  OSSL_PARAM tag_params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag_out.data(), tag_out.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_CIPHER_CTX_get_params(ctx, tag_params) != 1) {
    ciphertext_out.clear();
    tag_out.clear();
    return fail(crypto_errc::internal);
  }
  return {};
}

result<void> cbc_decrypt_unpadded(const aes_key& key, bytes_view iv, bytes_view ciphertext,
                                  std::string& out) {
  wipe(out);
  if (iv.size() != cbc_iv_size) return crypto_errc::bad_iv_length;
  if (ciphertext.empty() || ciphertext.size() % block_size != 0 || ciphertext.size() > max_input) {
    return crypto_errc::bad_length;
  }
  const EVP_CIPHER* cipher = cbc_cipher();
  EVP_CIPHER_CTX* ctx = thread_ctx();
  if (cipher == nullptr || ctx == nullptr) return fail(crypto_errc::internal);
  if (!init(ctx, &EVP_DecryptInit_ex2, cipher, key, iv, false)) return fail(crypto_errc::internal);
  // OpenSSL's own padding check branches on the bytes: it is switched off and
  // the padding checked by pkcs7_padding_length instead.
  if (EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) return fail(crypto_errc::internal);

  out.resize(ciphertext.size());
  int len = 0;
  int final_len = 0;
  if (EVP_DecryptUpdate(ctx, writable(out), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx, writable(out) + len, &final_len) != 1 ||
      static_cast<std::size_t>(len) + static_cast<std::size_t>(final_len) != ciphertext.size()) {
    wipe(out);
    return fail(crypto_errc::internal);
  }
  return {};
}

std::size_t pkcs7_padding_length(bytes_view last_block) noexcept {
  if (last_block.size() != block_size) return 0;  // lengths are public
  // Unsigned arithmetic on values below 2^8: (a - b) >> 31 is 1 exactly when a < b.
  const std::uint32_t pad = last_block[block_size - 1];
  std::uint32_t bad = 0;
  for (std::uint32_t i = 0; i < block_size; ++i) {
    const std::uint32_t from_end = static_cast<std::uint32_t>(block_size) - 1 - i;
    const std::uint32_t in_padding = 0u - ((from_end - pad) >> 31);  // all ones when from_end < pad
    bad |= (last_block[i] ^ pad) & in_padding;
  }
  bad |= 1u - ((0u - pad) >> 31);                                          // pad == 0
  bad |= 1u - ((pad - static_cast<std::uint32_t>(block_size + 1)) >> 31);  // pad > 16
  const std::uint32_t ok = 1u - ((bad | (0u - bad)) >> 31);                // 1 when bad == 0
  return pad & (0u - ok);
}

result<void> cbc_decrypt(const aes_key& key, bytes_view iv, bytes_view ciphertext,
                         std::string& out) {
  if (auto r = cbc_decrypt_unpadded(key, iv, ciphertext, out); !r) return r;
  const std::size_t pad = pkcs7_padding_length(as_bytes(out).last(block_size));
  if (pad == 0) {
    // Bad padding: the same opaque error as a failed GCM tag.
    wipe(out);
    return crypto_errc::auth_failed;
  }
  out.erase(out.size() - pad);  // erase, not resize: it never grows the string
  return {};
}

result<void> cbc_encrypt(const aes_key& key, bytes_view iv, bytes_view plaintext,
                         std::string& ciphertext_out) {
  ciphertext_out.clear();
  if (iv.size() != cbc_iv_size) return crypto_errc::bad_iv_length;
  if (plaintext.size() > max_input) return crypto_errc::bad_length;
  const EVP_CIPHER* cipher = cbc_cipher();
  EVP_CIPHER_CTX* ctx = thread_ctx();
  if (cipher == nullptr || ctx == nullptr) return fail(crypto_errc::internal);
  if (!init(ctx, &EVP_EncryptInit_ex2, cipher, key, iv, false)) return fail(crypto_errc::internal);
  // The context may come from cbc_decrypt_unpadded, which switched padding off.
  if (EVP_CIPHER_CTX_set_padding(ctx, 1) != 1) return fail(crypto_errc::internal);

  ciphertext_out.resize(plaintext.size() + block_size);
  int len = 0;
  int final_len = 0;
  if ((!plaintext.empty() &&
       EVP_EncryptUpdate(ctx, writable(ciphertext_out), &len, plaintext.data(),
                         static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx, writable(ciphertext_out) + len, &final_len) != 1) {
    ciphertext_out.clear();
    return fail(crypto_errc::internal);
  }
  ciphertext_out.resize(static_cast<std::size_t>(len) + static_cast<std::size_t>(final_len));
  return {};
}

result<void> random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, 1u << 20);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      return fail(crypto_errc::internal);
    }
    done += chunk;
  }
  return {};
}

}  // namespace rai::crypto
