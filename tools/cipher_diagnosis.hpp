#pragma once

// Why no key decrypted a body the gateway could take apart
// (inbound_errc::decrypt_failed), in precise words. The gateway answers one
// opaque 401 on purpose (no padding oracle); an operator holding the key may
// see the cause: an IV, tag or ciphertext of the wrong length, a GCM tag that
// does not verify, CBC padding that is not valid, or a CBC plaintext that is
// not a JSON object.

#include <optional>
#include <string>
#include <string_view>

#include "handlers/source.hpp"

namespace rai::tool {

// "bad tag: ...", "bad padding: ...", "bad IV length: ...", ...
std::string explain_decrypt_failure(const handlers::source_settings& s, std::string_view body,
                                    std::optional<std::string_view> iv_header);

}  // namespace rai::tool
