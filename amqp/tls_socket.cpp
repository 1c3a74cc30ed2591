// An amqps:// socket that never talks to an unverified broker, and that says
// why when the handshake fails. See amqp/detail/tls.hpp for what rabbitmq-c
// 0.11 does itself and what this adds.

#include <amqp_ssl_socket.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "amqp/detail/tls.hpp"

namespace rai::amqp::detail {
namespace {

// What one handshake saw, kept on the socket's own SSL_CTX (rabbitmq-c makes
// one per socket and frees it with the socket; the ex_data free function
// frees this with it). Written by OpenSSL's callbacks on the connecting
// thread, read by tls_failure() on the same thread.
struct handshake_record {
  int verify_error = X509_V_OK;  // the first certificate check that failed
  bool client_certificate_requested = false;
  bool handshake_done = false;
  int alert = -1;  // the first alert the broker sent, other than close_notify
};

void free_record(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<handshake_record*>(ptr);
}

int record_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_record);
  return index;
}

handshake_record* record_of(const SSL_CTX* ctx) {
  return ctx == nullptr ? nullptr
                        : static_cast<handshake_record*>(SSL_CTX_get_ex_data(ctx, record_index()));
}

// SSL_VERIFY_PEER's callback: keeps OpenSSL's verdict, only notes the first
// failure (the reason the handshake is then aborted).
int on_verify(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 1) return 1;
  const auto* ssl = static_cast<const SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (handshake_record* r = ssl ? record_of(SSL_get_SSL_CTX(ssl)) : nullptr;
      r != nullptr && r->verify_error == X509_V_OK) {
    r->verify_error = X509_STORE_CTX_get_error(store);
  }
  return 0;
}

void on_info(const SSL* ssl, int where, int ret) {
  handshake_record* r = record_of(SSL_get_SSL_CTX(ssl));
  if (r == nullptr) return;
  if ((where & SSL_CB_LOOP) != 0 && SSL_get_state(ssl) == TLS_ST_CR_CERT_REQ) {
    r->client_certificate_requested = true;
  }
  if ((where & SSL_CB_HANDSHAKE_DONE) != 0) r->handshake_done = true;
  // SSL_CB_READ_ALERT shares its SSL_CB_ALERT bit with SSL_CB_WRITE_ALERT.
  if ((where & SSL_CB_ALERT) != 0 && (where & SSL_CB_READ) != 0 && r->alert < 0) {
    const int description = ret & 0xff;
    if (description != SSL_AD_CLOSE_NOTIFY && description != SSL_AD_USER_CANCELLED) {
      r->alert = description;
    }
  }
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string verify_cause(int verify_error, const tls_settings& tls, const std::string& host) {
  std::string out = "certificate verify failed: ";
  out += X509_verify_cert_error_string(verify_error);
  switch (verify_error) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return out + " (the broker's certificate does not name " + host +
             "; connect by a name it carries)";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return out + (tls.ca_file.empty()
                        ? " (no CA of the system store signed it: set amqp.tls_ca_file to the CA "
                          "that signed the broker's certificate)"
                        : " (is amqp.tls_ca_file the CA that signed the broker's certificate?)");
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return out + " (check the broker's certificate dates and this host's clock)";
    default:
      return out;
  }
}

std::string alert_cause(const handshake_record& r, const tls_settings& tls) {
  const std::string alert = std::string("alert ") + SSL_alert_desc_string_long(r.alert);
  const bool sent_certificate = !tls.cert_file.empty();
  const bool about_certificate =
      r.alert == SSL_AD_HANDSHAKE_FAILURE || r.alert == SSL_AD_BAD_CERTIFICATE ||
      r.alert == SSL_AD_UNSUPPORTED_CERTIFICATE || r.alert == SSL_AD_CERTIFICATE_REVOKED ||
      r.alert == SSL_AD_CERTIFICATE_EXPIRED || r.alert == SSL_AD_CERTIFICATE_UNKNOWN ||
      r.alert == SSL_AD_UNKNOWN_CA || r.alert == SSL_AD_DECRYPT_ERROR;
  if (r.alert == SSL_AD_CERTIFICATE_REQUIRED ||
      (!sent_certificate && r.client_certificate_requested && about_certificate)) {
    return "the broker requires a client certificate (set amqp.tls_cert_file and tls_key_file)";
  }
  if (sent_certificate && r.client_certificate_requested && about_certificate) {
    return "the broker refused the client certificate, " + alert +
           " (is amqp.tls_cert_file signed by a CA the broker trusts?)";
  }
  if (r.alert == SSL_AD_PROTOCOL_VERSION) {
    return "the broker refused TLS 1.2 and newer, " + alert;
  }
  return "the broker ended it with " + alert;
}

// With TLS 1.3 the broker judges the client certificate after our side of
// the handshake is done, so its refusal arrives while we log in, as an
// alert followed by a close. When our first write meets the close first,
// the reset discards the unread alert: the connection just breaks. That it
// broke right after a handshake in which the broker asked for a client
// certificate still names the likely cause.
std::string dropped_after_handshake_cause(const handshake_record& r, const tls_settings& tls) {
  if (!r.client_certificate_requested) return {};
  if (tls.cert_file.empty()) {
    return "the broker requires a client certificate (set amqp.tls_cert_file and tls_key_file)";
  }
  return "the broker closed the connection right after the handshake (did it refuse the client "
         "certificate of amqp.tls_cert_file?)";
}

std::string openssl_cause(unsigned long e) {
  const char* reason = ERR_reason_error_string(e);
  std::string out = reason != nullptr ? reason : "unknown OpenSSL error";
  if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER) {
    out += " (is that port plain amqp:// rather than the broker's TLS listener?)";
  }
  return out;
}

}  // namespace

result<> configure_tls(amqp_socket_t* socket, const std::string& host, const tls_settings& tls) {
  auto* ctx = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
  ERR_clear_error();
  const auto refused = [&](const char* what) {
    ERR_clear_error();
    return error{std::string("TLS setup for ") + host + ": " + what};
  };
  if (ctx == nullptr) return refused("rabbitmq-c has no OpenSSL context");
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return refused("cannot require TLS 1.2 or newer");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return refused("cannot load the system's trusted CAs");
  }
  if (auto problems = load_tls_files(ctx, tls); !problems.empty()) {
    return error{std::move(problems.front())};
  }
  // The host checked inside the handshake: a DNS name against the
  // certificate's DNS names, an IP address against its IP addresses.
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int host_set = is_ip_address(host)
                           ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                           : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (host_set != 1) return refused("cannot set the host name to verify");

  auto* record = new handshake_record;
  if (SSL_CTX_set_ex_data(ctx, record_index(), record) != 1) {
    delete record;
    return refused("cannot attach the handshake record");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &on_verify);
  SSL_CTX_set_info_callback(ctx, &on_info);
  // rabbitmq-c's own checks after the handshake: the peer's verify result
  // stays on (a second guard); its host match (DNS names or CN only, so it
  // refuses every certificate for an IP address) is replaced by the
  // handshake's above, which has already refused any mismatch.
  amqp_ssl_socket_set_verify_peer(socket, 1);
  amqp_ssl_socket_set_verify_hostname(socket, 0);
  ERR_clear_error();
  return {};
}

std::optional<std::string> tls_failure(amqp_socket_t* socket, const tls_settings& tls,
                                       const std::string& host, int port) {
  const handshake_record* r =
      record_of(static_cast<const SSL_CTX*>(amqp_ssl_socket_get_context(socket)));
  const unsigned long queued = ERR_peek_error();
  std::string cause;
  if (r != nullptr && r->verify_error != X509_V_OK) {
    cause = verify_cause(r->verify_error, tls, host);
  } else if (r != nullptr && r->alert >= 0) {
    cause = alert_cause(*r, tls);
  } else if (r != nullptr && r->handshake_done) {
    cause = dropped_after_handshake_cause(*r, tls);
  }
  if (cause.empty() && queued != 0) cause = openssl_cause(queued);
  ERR_clear_error();
  if (cause.empty()) return std::nullopt;
  return "TLS handshake with " + host + ':' + std::to_string(port) + ": " + cause;
}

}  // namespace rai::amqp::detail
