#include "tools/webhook_request.hpp"

#include "handlers/outbound_envelope.hpp"
#include "handlers/rfc3339.hpp"
#include "handlers/sample_events.hpp"

namespace rai::tool {

std::optional<std::vector<handlers::event_kind>> event_kinds_from_flag(std::string_view text) {
  const auto all = handlers::all_event_kinds();
  if (text == "all") return std::vector<handlers::event_kind>(all.begin(), all.end());
  if (const auto kind = handlers::event_from_path(text)) {
    return std::vector<handlers::event_kind>{*kind};
  }
  return std::nullopt;
}

outcome<outgoing_request> build_webhook_request(const sender_profile& p, handlers::event_kind kind,
                                                std::string_view id, std::uint64_t n,
                                                std::chrono::system_clock::time_point now) {
  outgoing_request r;
  r.target = p.base_path + "/webhooks/" + p.source;
  if (p.event_in_path) {
    r.target += '/';
    r.target += handlers::event_name(kind);
  }
  r.headers.emplace_back("Content-Type", "application/json");
  const std::string timestamp = handlers::rfc3339_utc(now);
  const std::string plaintext =
      handlers::sample_event(kind, {.id = id, .n = n, .timestamp = timestamp});
  if (p.cipher.keys.empty()) {
    r.body = plaintext;
  } else {
    const handlers::seal_settings s{p.cipher.mode, p.cipher.layout, p.cipher.encoding};
    auto sealed = handlers::seal_envelope(s, p.cipher.keys.front(), plaintext);
    if (!sealed) return op_error("encryption failed: " + sealed.error().message());
    r.body = std::move(sealed->body);
    r.headers.emplace_back("x-encrypted", "true");
    if (sealed->iv_header_value) {
      r.headers.emplace_back(p.cipher.iv_header, std::move(*sealed->iv_header_value));
    }
  }
  if (p.api_key) r.headers.emplace_back("x-api-key", *p.api_key);
  if (p.signing_secret) {
    const auto ts =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    r.headers.emplace_back("webhook-id", std::string(id));
    r.headers.emplace_back("webhook-timestamp", std::to_string(ts));
    r.headers.emplace_back("webhook-signature",
                           crypto::webhook_sign(*p.signing_secret, id, ts, r.body));
  }
  return r;
}

}  // namespace rai::tool
