#include "gateway/tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

namespace rai::gateway {
namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "unknown error";
}

}  // namespace

std::shared_ptr<net::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           std::string& error) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    error = "server.tls_cert_file: cannot load certificate chain from " + cert_file + " (" +
            openssl_reason() + ")";
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
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
