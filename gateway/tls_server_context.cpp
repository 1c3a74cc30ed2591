#include "gateway/tls_server_context.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include "config/secret_file.hpp"

namespace rai::gateway {
namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "unknown error";
}

// TLS 1.2: forward-secret key exchange (ECDHE, DHE) with an AEAD cipher only;
// no static-RSA key exchange, no CBC (Lucky13-style MAC-then-encrypt), no
// SHA-1 MACs. The Mozilla "intermediate" list; every TLS 1.3 suite is AEAD
// with ephemeral key exchange.
constexpr const char* k_tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* k_tls13_suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

}  // namespace

std::shared_ptr<net::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           std::string& error) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, k_tls12_ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(native, k_tls13_suites) != 1) {
    error = "TLS: cannot set the cipher list (" + openssl_reason() + ")";
    return nullptr;
  }
  SSL_CTX_set_dh_auto(native, 1);  // DHE parameters sized to the certificate's key
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    error = "server.tls_cert_file: cannot load certificate chain from " + cert_file + " (" +
            openssl_reason() + ")";
    return nullptr;
  }
  // Read like every other secret file: refused when others may read it.
  auto pem = read_secret_file("server.tls_key_file", key_file, error);
  if (!pem) return nullptr;
  EVP_PKEY* key = nullptr;
  if (BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()))) {
    key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  }
  OPENSSL_cleanse(pem->data(), pem->size());
  const bool used = key != nullptr && SSL_CTX_use_PrivateKey(native, key) == 1;
  EVP_PKEY_free(key);
  if (!used) {
    error = "server.tls_key_file: cannot load private key from " + key_file + " (" +
            openssl_reason() + ")";
    return nullptr;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    error = "server.tls_key_file: the private key does not match the certificate";
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

}  // namespace rai::gateway
