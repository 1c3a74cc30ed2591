#pragma once

#include <memory>
#include <string>

#include "http/net.hpp"

namespace boost::asio::ssl {
class context;
}

namespace rai::gateway {

// A server TLS context for the webhook listener: TLS 1.3, or TLS 1.2 with a
// forward-secret AEAD suite only (ECDHE/DHE with AES-GCM or ChaCha20-Poly1305:
// no static-RSA key exchange, no CBC), the PEM certificate chain and private key from files
// (checked to match). Returns null and fills `error` (naming the file, never key material) on
// failure.
std::shared_ptr<net::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           std::string& error);

}  // namespace rai::gateway
