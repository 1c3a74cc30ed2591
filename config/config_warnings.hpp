#pragma once

// Settings that are valid but weaker than they should be: logged as warnings
// at start and after a reload, and printed by --check-config (which still
// exits 0). Each one sentence naming the setting; never a secret.

#include <string>
#include <vector>

#include "config/config.hpp"

namespace rai::gateway {

// Per source:
// * neither api_keys nor signing_secret, with keys: the GCM tag is the only
//   authentication, so anyone can make the gateway decrypt (every reading of
//   the body under every key) before anything refuses the request;
// * neither, without keys: plaintext is accepted from anyone;
// * aes-256-cbc without signing_secret: CBC is not authenticated, the API key
//   alone stands between a sender and the decryption (a padding oracle needs
//   only the API key); a signature is checked before decrypting.
// And for the broker: amqp.tls_* files set while no URL is amqps:// (they
// are not used), or a node list mixing amqp:// and amqps:// nodes.
std::vector<std::string> config_warnings(const gateway_config& config);

}  // namespace rai::gateway
