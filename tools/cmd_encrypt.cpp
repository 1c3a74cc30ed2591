// rai-gateway-tool encrypt: plaintext -> the request body Returning.AI sends.

#include <cstdio>
#include <string>
#include <vector>

#include "crypto/codec.hpp"
#include "handlers/outbound_envelope.hpp"
#include "tools/cipher_profile.hpp"
#include "tools/commands.hpp"
#include "tools/io.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage = R"(usage: rai-gateway-tool encrypt [options] < plaintext > body

Encrypts a plaintext (stdin, or --in FILE) into the request body Returning.AI
would send, with the gateway's own sealing code and a fresh random IV.

  --key KEY          AES-256 key: 32 characters, hex:<64 hex digits> or
                     base64:<base64 of 32 bytes> (several: the first is used)
  --mode MODE        aes-256-gcm (default) | aes-256-cbc
  --layout LAYOUT    json (default) | compact | raw | header-iv
  --encoding ENC     base64 (default) | hex
  --iv-header NAME   the header carrying the IV for header-iv (default x-iv)
  --config FILE      take key, mode, layout, encoding and IV header from a
  --source NAME        gateway config's [sources.NAME] (its "auto" becomes
                       json / base64), or
  --target KIND        from its [targets.KIND]; flags given as well override
  --in FILE          read the plaintext from FILE
  --headers FILE     write the request headers (Content-Type, x-encrypted and,
                     for header-iv, the IV header) as "name: value" lines to
                     FILE ("-": stderr), the form `curl -H @FILE` reads
  --fixed-iv HEX     use this IV (12 bytes GCM, 16 CBC) instead of a random
                     one: a testing aid; never reuse a GCM IV with one key

The body goes to stdout byte-exact (a newline is added only on a terminal).
For header-iv, the IV header line goes to stderr unless --headers is given.
Exit: 0 ok, 1 failed, 2 usage error.
)";

outcome<handlers::sealed_envelope> seal(const parsed_args& a, const cipher_profile& p,
                                        const std::string& plaintext) {
  const handlers::seal_settings settings{p.mode, p.layout, p.encoding};
  if (const auto problem = handlers::validate(settings)) return usage_error(*problem);
  const auto fixed = a.last("--fixed-iv");
  if (!fixed) {
    auto sealed = handlers::seal_envelope(settings, p.keys.front(), plaintext);
    if (!sealed) return op_error("encryption failed: " + sealed.error().message());
    return std::move(*sealed);
  }
  const auto iv = crypto::hex_decode(*fixed);
  if (!iv) return usage_error("--fixed-iv must be hex digits");
  auto sealed = handlers::seal_envelope(settings, p.keys.front(), plaintext, crypto::as_bytes(*iv));
  if (!sealed) {
    return usage_error("--fixed-iv: " + sealed.error().message() + " (GCM takes 12 bytes, CBC 16)");
  }
  return std::move(*sealed);
}

outcome<void> run(const parsed_args& a) {
  const auto profile = keyed_profile_from(a, cipher_use::sending);
  if (!profile) return profile.error();
  const auto plaintext = read_input(a);
  if (!plaintext) return plaintext.error();
  const auto sealed = seal(a, *profile, *plaintext);
  if (!sealed) return sealed.error();
  if (auto w = write_output(sealed->body); !w) return w.error();

  header_list headers{{"Content-Type", "application/json"}, {"x-encrypted", "true"}};
  if (sealed->iv_header_value) headers.emplace_back(profile->iv_header, *sealed->iv_header_value);
  if (const auto path = a.last("--headers")) return write_header_lines(*path, headers);
  if (sealed->iv_header_value) return write_header_lines("-", {headers.back()});
  return {};
}

}  // namespace

int run_encrypt(std::span<const std::string_view> args) {
  arg_spec spec{{"--in", "--headers", "--fixed-iv"}, {}};
  spec.with_value.insert(spec.with_value.end(), cipher_flags.begin(), cipher_flags.end());
  return run_command("encrypt", args, spec, usage, run);
}

}  // namespace rai::tool
