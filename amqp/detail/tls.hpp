#pragma once

// Internal: TLS for amqps:// connections on rabbitmq-c 0.11's SSL socket.
//
// What rabbitmq-c 0.11 does itself (librabbitmq/amqp_openssl.c): one SSL_CTX
// per socket with no trust store loaded and verify mode NONE; it sets SNI to
// the host given to amqp_socket_open; after the handshake it checks
// SSL_get_verify_result and matches the host against the certificate's DNS
// names (or CN), and fails with AMQP_STATUS_SSL_CONNECTION_FAILED,
// _SSL_PEER_VERIFY_FAILED or _SSL_HOSTNAME_VERIFY_FAILED without saying why.
// What we add through amqp_ssl_socket_get_context: TLS 1.2 or newer, the
// system store plus amqp.tls_ca_file, verification inside the handshake
// (SSL_VERIFY_PEER and the host name or IP address in the verify
// parameters, so a broker that fails it never gets a byte of AMQP), the
// client certificate, and a record of what the handshake saw (the verify
// error, the broker's alert, whether it asked for a client certificate) to
// name the cause when it fails.

#include <amqp.h>

#include <optional>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "amqp/result.hpp"
#include "amqp/settings.hpp"

namespace rai::amqp::detail {

// Loads tls.ca_file into ctx's trust store and tls.cert_file / key_file as
// its client certificate (each only when given). One line per problem, each
// naming the setting and the file (see amqp::check_tls_files); empty when
// all loaded. Clears the thread's OpenSSL error queue.
std::vector<std::string> load_tls_files(SSL_CTX* ctx, const tls_settings& tls);

// Prepares `socket`, made by amqp_ssl_socket_new, to connect to `host`.
// Fails when a file does not load or OpenSSL refuses a setting: then the
// socket must not be opened.
result<> configure_tls(amqp_socket_t* socket, const std::string& host, const tls_settings& tls);

// After amqp_socket_open or the login failed on a socket configure_tls
// prepared for `host`: "TLS handshake with <host>:<port>: <cause>" when TLS
// explains the failure (a verify error, an alert from the broker, an
// OpenSSL error), else nullopt. Clears the thread's OpenSSL error queue
// either way.
std::optional<std::string> tls_failure(amqp_socket_t* socket, const tls_settings& tls,
                                       const std::string& host, int port);

}  // namespace rai::amqp::detail
