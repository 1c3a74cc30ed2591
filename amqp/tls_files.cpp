// Loading amqp.tls_ca_file, tls_cert_file and tls_key_file into an SSL_CTX:
// the one loader a connection and --check-config share, so a file that
// passes the check is a file the connection loads.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "amqp/detail/tls.hpp"
#include "amqp/tls.hpp"

namespace rai::amqp {
namespace detail {
namespace {

// The reason of the oldest error in the thread's queue; clears the queue.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_error();
  ERR_clear_error();
  const char* reason = e == 0 ? nullptr : ERR_reason_error_string(e);
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// Why `path` cannot be opened for reading, or nullopt. Asked before OpenSSL
// reads it, because OpenSSL's own words for a missing file are less plain.
std::optional<std::string> unreadable(const std::string& path) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return std::string(std::strerror(errno));
  ::close(fd);
  return std::nullopt;
}

// A key file protected by a passphrase: fail instead of prompting on the
// terminal (OpenSSL's default), which would hang a service.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

std::optional<std::string> load_ca(SSL_CTX* ctx, const std::string& path) {
  const std::string where = "amqp.tls_ca_file: " + path;
  if (auto why = unreadable(path)) return where + ": cannot read it (" + *why + ")";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!bio) return where + ": cannot read it (" + openssl_reason() + ")";
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int loaded = 0;
  for (;;) {
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, &no_passphrase, nullptr), &X509_free);
    if (!cert) break;
    if (X509_STORE_add_cert(store, cert.get()) != 1) {
      // The same certificate twice in one bundle is harmless.
      if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        return where + ": cannot add a certificate (" + openssl_reason() + ")";
      }
    }
    ERR_clear_error();
    ++loaded;
  }
  // The loop ends at the end of the file ("no start line") or at a block
  // that is not a certificate.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (last != 0 && !clean_end) {
    return where + ": not a PEM certificate file (" + openssl_reason() + ")";
  }
  ERR_clear_error();
  if (loaded == 0) return where + ": holds no PEM certificate";
  return std::nullopt;
}

std::optional<std::string> load_client_certificate(SSL_CTX* ctx, const std::string& cert_file,
                                                   const std::string& key_file) {
  const std::string cert_where = "amqp.tls_cert_file: " + cert_file;
  const std::string key_where = "amqp.tls_key_file: " + key_file;
  if (auto why = unreadable(cert_file)) return cert_where + ": cannot read it (" + *why + ")";
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return cert_where + ": not a PEM certificate (" + openssl_reason() + ")";
  }
  if (auto why = unreadable(key_file)) return key_where + ": cannot read it (" + *why + ")";
  SSL_CTX_set_default_passwd_cb(ctx, &no_passphrase);
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const unsigned long e = ERR_peek_error();
    if (ERR_GET_LIB(e) == ERR_LIB_X509 && (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
                                           ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH)) {
      ERR_clear_error();
      return key_where + ": the key does not match the certificate in amqp.tls_cert_file " +
             cert_file;
    }
    return key_where + ": not a PEM private key without a passphrase (" + openssl_reason() + ")";
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return key_where + ": the key does not match the certificate in amqp.tls_cert_file " +
           cert_file;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> load_tls_files(SSL_CTX* ctx, const tls_settings& tls) {
  ERR_clear_error();
  std::vector<std::string> problems;
  if (!tls.ca_file.empty()) {
    if (auto p = load_ca(ctx, tls.ca_file)) problems.push_back(std::move(*p));
  }
  if (!tls.cert_file.empty() || !tls.key_file.empty()) {
    if (auto p = load_client_certificate(ctx, tls.cert_file, tls.key_file)) {
      problems.push_back(std::move(*p));
    }
  }
  ERR_clear_error();
  return problems;
}

}  // namespace detail

std::vector<std::string> check_tls_files(const tls_settings& tls) {
  if (tls.ca_file.empty() && tls.cert_file.empty() && tls.key_file.empty()) return {};
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free);
  if (!ctx) {
    ERR_clear_error();
    return {"amqp.tls_*: cannot create an OpenSSL context"};
  }
  return detail::load_tls_files(ctx.get(), tls);
}

}  // namespace rai::amqp
