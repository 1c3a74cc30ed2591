#pragma once

// How a body is encrypted or decrypted: key(s), mode, layout, encoding and IV
// header, from the flags --key/--mode/--layout/--encoding/--iv-header, with
// --config FILE plus --source NAME (or --target KIND) supplying defaults that
// the flags override.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "crypto/aes.hpp"
#include "crypto/key.hpp"
#include "handlers/source.hpp"
#include "tools/args.hpp"

namespace rai::tool {

struct cipher_profile {
  crypto::cipher_mode mode = crypto::cipher_mode::aes_256_gcm;
  std::vector<crypto::aes_key> keys;  // several: rotation, each tried when decrypting
  handlers::envelope_layout layout = handlers::envelope_layout::json;
  handlers::envelope_encoding encoding = handlers::envelope_encoding::base64;
  std::string iv_header = "x-iv";  // lowercase
};

// sending: layout/encoding default to json/base64 (a config's "auto" becomes
// that too; an explicit --layout/--encoding auto is refused). receiving:
// both default to auto, as the gateway.
enum class cipher_use { sending, receiving };

// The flags this reads, for arg_spec::with_value.
inline constexpr std::array<std::string_view, 8> cipher_flags = {
    "--key", "--mode", "--layout", "--encoding", "--iv-header", "--config", "--source", "--target"};

outcome<cipher_profile> cipher_profile_from(const parsed_args& a,
                                            const std::optional<gateway::gateway_config>& cfg,
                                            cipher_use use);

// encrypt and decrypt: the profile of --config FILE (if given) and the flags,
// which must name at least one key.
outcome<cipher_profile> keyed_profile_from(const parsed_args& a, cipher_use use);

}  // namespace rai::tool
