#include "tools/dlq.hpp"

#include <algorithm>

#include "amqp/session.hpp"
#include "handlers/json_text.hpp"
#include "tools/config_flags.hpp"

namespace rai::tool {
namespace {

// A value read off the broker, for a terminal: tabs and line breaks become
// spaces (one command per line, one column per value), and every other
// control, C1 or bidi character is escaped like in a text log line, so a
// dead command's kind or error cannot drive the operator's terminal.
std::string cell(const std::optional<std::string>& v) {
  if (!v || v->empty()) return "-";
  std::string spaced = *v;
  std::replace_if(
      spaced.begin(), spaced.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; },
      ' ');
  std::string out;
  handlers::append_text_escaped(out, spaced);
  return out;
}

bool decimal(const std::string& s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         (s.size() == 1 || s.front() != '0');
}

void field(std::string& out, const char* name, const std::optional<std::string>& v, bool numeric) {
  out += ",\"";
  out += name;
  out += "\":";
  if (!v) {
    out += "null";
  } else if (numeric && decimal(*v)) {
    out += *v;
  } else {
    handlers::append_json_string(out, *v);
  }
}

}  // namespace

dead_entry dead_entry_of(const amqp::taken_message& m, bool with_body) {
  dead_entry e;
  e.id = std::string(m.message_id());
  if (auto kind = m.header("x-kind"); kind && !kind->empty()) {
    e.kind = std::move(*kind);
  } else {
    e.kind = std::string(m.type());
  }
  e.attempts = m.header("x-attempt");
  e.last_status = m.header("x-last-status");
  e.last_error = m.header("x-last-error");
  e.dead_reason = m.header("x-dead-reason");
  e.replayed_at = m.header("x-replayed-at");
  if (with_body) e.body = std::string(m.body());
  return e;
}

std::string dead_text_header(bool with_body) {
  return with_body ? "ID\tKIND\tATTEMPTS\tLAST_STATUS\tLAST_ERROR\tDEAD_REASON\tBODY"
                   : "ID\tKIND\tATTEMPTS\tLAST_STATUS\tLAST_ERROR\tDEAD_REASON";
}

std::string format_dead_text(const dead_entry& e) {
  std::string out = cell(e.id) + '\t' + cell(e.kind) + '\t' + cell(e.attempts) + '\t' +
                    cell(e.last_status) + '\t' + cell(e.last_error) + '\t' + cell(e.dead_reason);
  if (e.body) out += '\t' + cell(e.body);
  return out;
}

std::string format_dead_json(const dead_entry& e) {
  std::string out = "{\"id\":";
  handlers::append_json_string(out, e.id);
  out += ",\"kind\":";
  handlers::append_json_string(out, e.kind);
  field(out, "attempts", e.attempts, true);
  field(out, "last_status", e.last_status, true);
  field(out, "last_error", e.last_error, false);
  field(out, "dead_reason", e.dead_reason, false);
  field(out, "replayed_at", e.replayed_at, false);
  if (e.body) field(out, "body", e.body, false);
  out += '}';
  return out;
}

outcome<amqp::session_settings> broker_from(const parsed_args& a, std::string connection_name) {
  amqp::session_settings s;
  s.connection_name = std::move(connection_name);
  const auto ms = number_flag(a, "--timeout-ms", 10'000, 1, 3'600'000);
  if (!ms) return ms.error();
  s.timeout = std::chrono::milliseconds(*ms);
  const auto cfg = config_from_flags(a);
  if (!cfg) return cfg.error();
  if (*cfg) {
    s.urls = (*cfg)->amqp.urls;
    s.tls = (*cfg)->amqp.tls;
  } else {
    s.urls = {std::string(default_amqp_url)};
  }
  if (const auto url = a.last("--amqp-url")) s.urls = {*url};
  // The amqps files, each replacing the config's.
  if (const auto ca = a.last("--tls-ca-file")) s.tls.ca_file = *ca;
  const auto cert = a.last("--tls-cert-file");
  const auto key = a.last("--tls-key-file");
  if (cert.has_value() != key.has_value()) {
    return usage_error("--tls-cert-file and --tls-key-file: give both or neither");
  }
  if (cert) {
    s.tls.cert_file = *cert;
    s.tls.key_file = *key;
  }
  return s;
}

bool dropped_on_replay(std::string_view header) noexcept {
  return header == "x-attempt" || header == "x-last-status" || header == "x-last-error" ||
         header == "x-dead-reason" || header == replayed_at_header;
}

replay_selection::replay_selection(bool all, std::vector<std::string> ids)
    : all_(all), ids_(std::move(ids)), seen_(ids_.size(), false) {}

bool replay_selection::choose(std::string_view message_id) {
  if (all_) return true;
  bool chosen = false;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == message_id) {
      seen_[i] = true;
      chosen = true;
    }
  }
  return chosen;
}

std::vector<std::string> replay_selection::missing() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (!seen_[i]) out.push_back(ids_[i]);
  }
  return out;
}

}  // namespace rai::tool
