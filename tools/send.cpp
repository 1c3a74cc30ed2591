#include "tools/send.hpp"

#include <simdjson.h>

#include <cstdio>

#include "handlers/outbound_envelope.hpp"
#include "handlers/rfc3339.hpp"
#include "handlers/sample_events.hpp"

namespace rai::tool {

outcome<http_target> parse_http_url(std::string_view url) {
  auto parsed = gateway::parse_url(url);
  if (!parsed || parsed->tls) {
    return usage_error(
        "--url must be http://host[:port][/prefix] (plain http: terminate TLS at the ingress), "
        "not '" +
        std::string(url) + "'");
  }
  std::string_view path = parsed->target;
  if (path.find('?') != std::string_view::npos)
    return usage_error("--url must not have a query: '" + std::string(url) + "'");
  while (path.ends_with('/')) path.remove_suffix(1);

  http_target t;
  t.base_path = std::string(path);
  t.url = std::move(*parsed);
  t.url.target.assign(1, '/');  // not = "/": a false -Wrestrict at -O3 (GCC bug 105651)
  return t;
}

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

namespace {

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  return out;
}

}  // namespace

bool is_duplicate_reply(std::string_view body) {
  simdjson::dom::parser parser;
  bool duplicate = false;
  const auto doc = parser.parse(body.data(), body.size(), true);
  return !doc["duplicate"].get_bool().get(duplicate) && duplicate;
}

void send_tally::reply(std::string_view id, unsigned status, std::string_view body) {
  const bool duplicate = status == 200 && is_duplicate_reply(body);
  std::lock_guard lock(mu_);
  if (status == 200) {
    ++(duplicate ? t_.duplicates : t_.accepted);
    return;
  }
  ++t_.other[status];
  if (t_.examples.size() < max_examples_) {
    t_.examples.push_back("event " + std::string(id) + ": " + std::to_string(status) + " " +
                          printable(body, 200));
  }
}

void send_tally::transport_error(std::string_view id, std::string_view error) {
  std::lock_guard lock(mu_);
  ++t_.transport_errors;
  if (t_.examples.size() < max_examples_) {
    t_.examples.push_back("event " + std::string(id) + ": " + std::string(error));
  }
}

send_tally::totals send_tally::snapshot() const {
  std::lock_guard lock(mu_);
  return t_;
}

bool all_succeeded(const send_tally::totals& t) noexcept {
  return t.other.empty() && t.transport_errors == 0;
}

std::string format_summary(const send_tally::totals& t, std::uint64_t sent, double seconds) {
  char head[160];
  std::snprintf(head, sizeof head, "sent %llu event(s) in %.2f s (%.1f/s)\n",
                static_cast<unsigned long long>(sent), seconds,
                seconds > 0 ? static_cast<double>(sent) / seconds : 0.0);
  std::string out = head;
  out += "  200 accepted:     " + std::to_string(t.accepted) + "\n";
  out += "  200 duplicate:    " + std::to_string(t.duplicates) + "\n";
  out += "  other statuses:   ";
  if (t.other.empty()) out += "none";
  bool first = true;
  for (const auto& [status, count] : t.other) {
    if (!first) out += ", ";
    first = false;
    out += std::to_string(status) + " x" + std::to_string(count);
  }
  out += "\n  transport errors: " + std::to_string(t.transport_errors) + "\n";
  for (const auto& e : t.examples) out += "  " + e + "\n";
  return out;
}

}  // namespace rai::tool
