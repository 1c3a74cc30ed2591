// rai-gateway-tool sign: a body -> its Standard Webhooks headers.

#include <chrono>
#include <cstdio>
#include <string>

#include "crypto/webhook_signature.hpp"
#include "handlers/outbound_command.hpp"
#include "tools/commands.hpp"
#include "tools/config_flags.hpp"
#include "tools/io.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage = R"(usage: rai-gateway-tool sign --secret whsec_... [options] < body

Signs a request body (stdin, or --in FILE) the Standard Webhooks way, as the
gateway verifies it: HMAC-SHA256 over "{id}.{timestamp}.{body}", and prints
the webhook-id, webhook-timestamp and webhook-signature header lines.

  --secret whsec_... the signing secret
  --config FILE      or take it from a gateway config's
  --source NAME        [sources.NAME].signing_secret, or
  --target KIND        [targets.KIND].signing_secret
  --id ID            webhook-id (default: a fresh UUID)
  --timestamp UNIX   webhook-timestamp in unix seconds (default: now); the
                     gateway accepts +/- signature_tolerance_seconds (300)
  --in FILE          read the body from FILE

The body is signed byte-exact: a trailing newline in the input is signed too.
Exit: 0 ok, 1 failed, 2 usage error.
)";

outcome<void> run(const parsed_args& a) {
  const auto cfg = config_from_flags(a);
  if (!cfg) return cfg.error();
  const auto secret = signing_secret_from(a, "--secret", *cfg);
  if (!secret) return secret.error();
  if (!*secret) {
    return usage_error(
        "a secret is needed: --secret whsec_..., or --config with a source or "
        "target that has signing_secret");
  }
  const std::string id = a.last("--id").value_or(handlers::new_idempotency_key());
  if (id.empty()) return usage_error("--id must not be empty");
  auto timestamp = number_flag(a, "--timestamp", 0, 1, 9'999'999'999);
  if (!timestamp) return timestamp.error();
  if (!a.has("--timestamp")) {
    *timestamp = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  }
  const auto body = read_input(a);
  if (!body) return body.error();
  const auto ts = static_cast<std::int64_t>(*timestamp);
  const header_list headers{{"webhook-id", id},
                            {"webhook-timestamp", std::to_string(ts)},
                            {"webhook-signature", crypto::webhook_sign(**secret, id, ts, *body)}};
  const std::string text = format_header_lines(headers);
  if (std::fputs(text.c_str(), stdout) < 0 || std::fflush(stdout) != 0) {
    return op_error("cannot write stdout");
  }
  return {};
}

}  // namespace

int run_sign(std::span<const std::string_view> args) {
  const arg_spec spec{
      {"--secret", "--config", "--source", "--target", "--id", "--timestamp", "--in"}, {}};
  return run_command("sign", args, spec, usage, run);
}

}  // namespace rai::tool
