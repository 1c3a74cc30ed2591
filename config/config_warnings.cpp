#include "config/config_warnings.hpp"

namespace rai::gateway {

std::vector<std::string> config_warnings(const gateway_config& config) {
  std::vector<std::string> out;
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
