#include "config/config_warnings.hpp"

#include <algorithm>

namespace rai::gateway {

namespace {

void amqp_tls_warnings(const amqp::amqp_settings& amqp, std::vector<std::string>& out) {
  const auto tls_url = [](const std::string& u) { return u.starts_with("amqps://"); };
  const auto tls_nodes = std::count_if(amqp.urls.begin(), amqp.urls.end(), tls_url);
  const bool files = !amqp.tls.ca_file.empty() || !amqp.tls.cert_file.empty();
  if (files && tls_nodes == 0) {
    out.push_back(
        "amqp.tls_*: TLS files are set but no broker URL is amqps://, so they are not used and "
        "the connection is plain AMQP; use amqps:// URLs or drop the tls_* settings");
  } else if (tls_nodes > 0 && tls_nodes < static_cast<std::ptrdiff_t>(amqp.urls.size())) {
    out.push_back(
        "amqp.urls: some nodes are amqp:// and some amqps://: on a plain node events and the "
        "broker password travel in clear text; make every node amqps://");
  }
}

}  // namespace

std::vector<std::string> config_warnings(const gateway_config& config) {
  std::vector<std::string> out;
  amqp_tls_warnings(config.amqp, out);
  for (const auto& s : config.sources) {
    const std::string p = "sources." + s.name;
    const bool authenticated = !s.api_keys.empty() || s.signing_secret.has_value();
    if (!authenticated && s.keys.empty()) {
      out.push_back(p +
                    ": neither api_keys nor signing_secret and no keys: it accepts unauthenticated "
                    "events from anyone who can reach the listener; set api_keys and "
                    "signing_secret");
    } else if (!authenticated) {
      out.push_back(p +
                    ": neither api_keys nor signing_secret: the AES-GCM tag is its only "
                    "authentication, so anyone who can reach the listener makes the gateway "
                    "decrypt (every reading of a body under every key) before a request is "
                    "refused; set api_keys and signing_secret");
    }
    if (s.mode == crypto::cipher_mode::aes_256_cbc && !s.signing_secret) {
      out.push_back(p +
                    ": aes-256-cbc without signing_secret: CBC is not authenticated and the API "
                    "key alone guards decryption; set signing_secret (Standard Webhooks) so every "
                    "body is verified before it is decrypted");
    }
  }
  return out;
}

}  // namespace rai::gateway
