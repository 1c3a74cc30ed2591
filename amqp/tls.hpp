#pragma once

// The TLS files of amqps:// connections (amqp.tls_ca_file, tls_cert_file,
// tls_key_file), checked the way a connection loads them, for --check-config
// and the gateway's start. The connection itself: amqp/detail/tls.hpp.

#include <string>
#include <vector>

#include "amqp/settings.hpp"

namespace rai::amqp {

// One line per problem, each naming the setting and the file: cannot be
// read, holds no PEM certificate, the certificate or key does not load, the
// key does not match the certificate. Empty when every file given loads (or
// none is given).
std::vector<std::string> check_tls_files(const tls_settings& tls);

}  // namespace rai::amqp
