#pragma once

// The words `decrypt` prints for why the gateway would refuse a body: a
// handlers::envelope_diagnosis (the gateway's own reader and attempts) put
// as one sentence. "bad layout (json): no tag field (tag, authTag or
// auth_tag); aes-256-gcm needs one", "bad tag: GCM authentication failed
// with the key (...) [read as the json layout, auto-detected]", ...

#include <string>

#include "handlers/envelope_diagnosis.hpp"
#include "handlers/source.hpp"

namespace rai::tool {

std::string describe(const handlers::source_settings& s, const handlers::envelope_diagnosis& d);

}  // namespace rai::tool
