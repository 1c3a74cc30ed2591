// rai-gateway-tool decrypt: a request body -> its plaintext, as the gateway sees it.

#include <cstdio>
#include <string>

#include "tools/cipher_profile.hpp"
#include "tools/commands.hpp"
#include "tools/decrypt.hpp"
#include "tools/io.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage = R"(usage: rai-gateway-tool decrypt [options] < body > plaintext

Decrypts a request body (stdin, or --in FILE) with the gateway's own
envelope parser and pipeline, so it reproduces what the gateway would do.
On failure it names the precise cause (bad layout, bad IV/tag/ciphertext
length, bad tag, bad padding, bad plaintext) and the status the gateway
would answer, and exits 1.

  --key KEY          AES-256 key: 32 characters, hex:<64 hex digits> or
                     base64:<base64 of 32 bytes>; repeat it to try several
                     (rotation), as the gateway does
  --mode MODE        aes-256-gcm (default) | aes-256-cbc
  --layout LAYOUT    auto (default) | json | compact | raw | header-iv
  --encoding ENC     auto (default) | base64 | hex
  --iv VALUE         the IV header's value (header-iv layout), as sent
  --iv-header NAME   the IV header's name, for messages (default x-iv)
  --config FILE      take keys, mode, layout, encoding and IV header from a
  --source NAME        gateway config's [sources.NAME], or
  --target KIND        from its [targets.KIND]; flags given as well override
  --in FILE          read the body from FILE

The plaintext goes to stdout byte-exact (a newline is added only on a
terminal). Exit: 0 ok, 1 the gateway would refuse the body, 2 usage error.
)";

outcome<void> run(const parsed_args& a) {
  const auto profile = keyed_profile_from(a, cipher_use::receiving);
  if (!profile) return profile.error();
  const auto body = read_input(a);
  if (!body) return body.error();
  const auto iv = a.last("--iv");
  const auto verdict = decrypt_like_gateway(
      *profile, *body, iv ? std::optional<std::string_view>(*iv) : std::nullopt);
  if (!verdict.accepted) {
    return op_error(verdict.explanation + " (the gateway would answer " +
                    std::to_string(verdict.http_status) + " " + verdict.reason + ")");
  }
  return write_output(verdict.plaintext);
}

}  // namespace

int run_decrypt(std::span<const std::string_view> args) {
  arg_spec spec{{"--in", "--iv"}, {}};
  spec.with_value.insert(spec.with_value.end(), cipher_flags.begin(), cipher_flags.end());
  return run_command("decrypt", args, spec, usage, run);
}

}  // namespace rai::tool
