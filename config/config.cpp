// toml++ is confined to this file: everything else sees plain settings structs.
#include "config/config.hpp"

#include <toml++/toml.h>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/secret_source.hpp"
#include "crypto/cipher_names.hpp"
#include "handlers/dedupe.hpp"
#include "handlers/names.hpp"
#include "redis/url.hpp"

namespace rai::gateway {
namespace {

using problems_t = std::vector<std::string>;

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Reports keys the schema does not know, so a typo is an error instead of a
// silently ignored setting.
void check_known(const toml::table& t, const std::string& path,
                 std::initializer_list<std::string_view> known, problems_t& problems) {
  for (const auto& [k, v] : t) {
    bool found = false;
    for (auto n : known) found = found || n == k.str();
    if (!found) problems.push_back(join(path, k.str()) + ": unknown setting");
  }
}

template <class T>
bool get(const toml::table& t, std::string_view key, const std::string& path, T& out,
         problems_t& problems) {
  const toml::node* n = t.get(key);
  if (!n) return false;
  if constexpr (std::is_same_v<T, bool>) {
    if (auto v = n->value_exact<bool>()) {
      out = *v;
      return true;
    }
    problems.push_back(join(path, key) + ": must be true or false");
  } else if constexpr (std::is_integral_v<T>) {
    if (auto v = n->value_exact<std::int64_t>()) {
      if (*v < 0 || static_cast<std::uint64_t>(*v) > std::numeric_limits<T>::max()) {
        problems.push_back(join(path, key) + ": out of range");
        return false;
      }
      out = static_cast<T>(*v);
      return true;
    }
    problems.push_back(join(path, key) + ": must be an integer");
  } else {
    if (auto v = n->value_exact<std::string>()) {
      out = *v;
      return true;
    }
    problems.push_back(join(path, key) + ": must be a string");
  }
  return false;
}

template <class Rep>
void get_ms(const toml::table& t, std::string_view key, const std::string& path,
            std::chrono::duration<Rep, std::milli>& out, problems_t& problems) {
  std::uint32_t v = 0;
  if (get(t, key, path, v, problems)) {
    if (v == 0)
      problems.push_back(join(path, key) + ": must be greater than 0");
    else
      out = std::chrono::milliseconds(v);
  }
}

void get_seconds(const toml::table& t, std::string_view key, const std::string& path,
                 std::chrono::seconds& out, problems_t& problems) {
  std::uint32_t v = 0;
  if (get(t, key, path, v, problems)) {
    if (v == 0)
      problems.push_back(join(path, key) + ": must be greater than 0");
    else
      out = std::chrono::seconds(v);
  }
}

// A string setting that must be one of `choices` (pairs or entries of a
// name and a value); the message lists them.
template <class T, class Choices>
void get_choice(const toml::table& t, std::string_view key, const std::string& path, T& out,
                const Choices& choices, problems_t& problems) {
  std::string text;
  if (!get(t, key, path, text, problems)) return;
  std::string names;
  for (const auto& [name, value] : choices) {
    if (name == text) {
      out = value;
      return;
    }
    names += names.empty() ? "" : ", ";
    names += name;
  }
  problems.push_back(join(path, key) + ": must be one of " + names);
}

template <class T>
void get_choice(const toml::table& t, std::string_view key, const std::string& path, T& out,
                std::initializer_list<std::pair<std::string_view, T>> choices,
                problems_t& problems) {
  get_choice<T, decltype(choices)>(t, key, path, out, choices, problems);
}

std::optional<endpoint> parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return endpoint{host, static_cast<std::uint16_t>(port)};
}

void get_endpoint(const toml::table& t, std::string_view key, const std::string& path,
                  endpoint& out, problems_t& problems) {
  std::string text;
  if (!get(t, key, path, text, problems)) return;
  if (auto e = parse_endpoint(text))
    out = *e;
  else
    problems.push_back(join(path, key) + ": expected host:port, e.g. 0.0.0.0:8080");
}

const toml::table* subtable(const toml::table& root, std::string_view key, problems_t& problems) {
  const toml::node* n = root.get(key);
  if (!n) return nullptr;
  if (auto* t = n->as_table()) return t;
  problems.push_back(std::string(key) + ": must be a table");
  return nullptr;
}

void parse_server(const toml::table& t, server_settings& s, problems_t& problems) {
  const std::string p = "server";
  check_known(t, p,
              {"listen",
               "admin_listen",
               "threads",
               "max_body_bytes",
               "max_header_bytes",
               "max_target_bytes",
               "first_byte_timeout_ms",
               "header_timeout_ms",
               "body_timeout_ms",
               "min_body_bytes_per_second",
               "body_rate_grace_ms",
               "write_timeout_ms",
               "idle_timeout_ms",
               "max_connections",
               "max_buffered_body_bytes",
               "retry_after_seconds",
               "drain_timeout_ms",
               "tls_cert_file",
               "tls_key_file",
               "admin_token",
               "admin_token_env",
               "admin_token_file",
               "metrics_listen"},
              problems);
  get_endpoint(t, "listen", p, s.listen, problems);
  get_endpoint(t, "admin_listen", p, s.admin_listen, problems);
  if (auto token = read_secret(t, "admin_token", p, problems, secret_presence::optional)) {
    // It travels in a header and guards the command endpoint: printable, no
    // spaces, long enough not to be guessed.
    bool printable = true;
    for (char c : *token) printable = printable && c > ' ' && c < 0x7f;
    if (!printable)
      problems.push_back("server.admin_token: only printable ASCII without spaces");
    else if (token->size() < 16)
      problems.push_back("server.admin_token: at least 16 characters");
    else
      s.admin_token = std::move(*token);
  }
  if (t.contains("metrics_listen")) {
    endpoint e;
    get_endpoint(t, "metrics_listen", p, e, problems);
    if (!e.host.empty()) s.metrics_listen = e;
  }
  get(t, "threads", p, s.threads, problems);
  get(t, "max_body_bytes", p, s.max_body_bytes, problems);
  get(t, "max_header_bytes", p, s.max_header_bytes, problems);
  get(t, "max_target_bytes", p, s.max_target_bytes, problems);
  get_ms(t, "first_byte_timeout_ms", p, s.first_byte_timeout, problems);
  get_ms(t, "header_timeout_ms", p, s.header_timeout, problems);
  get_ms(t, "body_timeout_ms", p, s.body_timeout, problems);
  get(t, "min_body_bytes_per_second", p, s.min_body_bytes_per_second, problems);
  get_ms(t, "body_rate_grace_ms", p, s.body_rate_grace, problems);
  get_ms(t, "write_timeout_ms", p, s.write_timeout, problems);
  get_ms(t, "idle_timeout_ms", p, s.idle_timeout, problems);
  get(t, "max_connections", p, s.max_connections, problems);
  get(t, "max_buffered_body_bytes", p, s.max_buffered_body_bytes, problems);
  get_seconds(t, "retry_after_seconds", p, s.retry_after, problems);
  get_ms(t, "drain_timeout_ms", p, s.drain_timeout, problems);
  get(t, "tls_cert_file", p, s.tls_cert_file, problems);
  get(t, "tls_key_file", p, s.tls_key_file, problems);
  if (s.metrics_listen && s.metrics_listen->port != 0 &&
      (*s.metrics_listen == s.admin_listen || *s.metrics_listen == s.listen))
    problems.push_back("server.metrics_listen: must differ from listen and admin_listen");
  if (s.tls_cert_file.empty() != s.tls_key_file.empty())
    problems.push_back("server.tls_cert_file, server.tls_key_file: set both or neither");
  if (s.max_body_bytes == 0) problems.push_back("server.max_body_bytes: must be greater than 0");
  if (s.max_header_bytes < 1024)
    problems.push_back("server.max_header_bytes: must be at least 1024");
  if (s.max_target_bytes < 64) problems.push_back("server.max_target_bytes: must be at least 64");
  if (s.max_connections == 0) problems.push_back("server.max_connections: must be greater than 0");
  if (s.min_body_bytes_per_second > (1ull << 40))
    problems.push_back("server.min_body_bytes_per_second: must be at most 2^40");
  if (s.max_buffered_body_bytes < s.max_body_bytes)
    problems.push_back("server.max_buffered_body_bytes: must be at least server.max_body_bytes");
}

void parse_log(const toml::table& t, log_settings& s, problems_t& problems) {
  const std::string p = "log";
  check_known(t, p, {"level", "format", "access"}, problems);
  get(t, "level", p, s.level, problems);
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
  if (!levels.contains(s.level))
    problems.push_back("log.level: must be one of trace, debug, info, warn, error");
  get_choice(t, "format", p, s.json, {{"text", false}, {"json", true}}, problems);
  get(t, "access", p, s.access, problems);
}

bool is_amqp_url(std::string_view url) {
  return url.starts_with("amqp://") || url.starts_with("amqps://");
}

// amqp.url (one node) or amqp.urls (nodes of one cluster), not both.
void parse_amqp_urls(const toml::table& t, const std::string& p, amqp::amqp_settings& s,
                     problems_t& problems) {
  const auto given = [&](std::string_view name) {
    const std::string n(name);
    return t.contains(n) || t.contains(n + "_env") || t.contains(n + "_file");
  };
  if (given("url") && given("urls")) {
    problems.push_back(
        "amqp.url, amqp.urls: give one node (url) or the cluster's nodes (urls), "
        "not both");
    return;
  }
  if (auto url = read_secret(t, "url", p, problems, secret_presence::optional)) {
    if (!is_amqp_url(*url)) problems.push_back("amqp.url: must start with amqp:// or amqps://");
    s.urls = {std::move(*url)};
    return;
  }
  if (!given("urls")) return;
  const std::size_t known_problems = problems.size();
  auto urls = read_secret_list(t, "urls", p, problems);
  if (urls.empty()) {
    if (problems.size() != known_problems) return;  // already said why
    problems.push_back("amqp.urls: must list at least one node");
    return;
  }
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (!is_amqp_url(urls[i]))
      problems.push_back("amqp.urls[" + std::to_string(i) +
                         "]: must start with amqp:// or amqps://");
  }
  s.urls = std::move(urls);
}

void parse_amqp(const toml::table& t, amqp::amqp_settings& s, problems_t& problems) {
  const std::string p = "amqp";
  check_known(t, p,
              {"url", "url_env", "url_file", "urls", "urls_env", "urls_file", "tls_ca_file",
               "tls_cert_file", "tls_key_file", "exchange", "queue_type", "heartbeat_seconds",
               "confirm_timeout_ms", "max_in_flight"},
              problems);
  parse_amqp_urls(t, p, s, problems);
  get(t, "tls_ca_file", p, s.tls.ca_file, problems);
  get(t, "tls_cert_file", p, s.tls.cert_file, problems);
  get(t, "tls_key_file", p, s.tls.key_file, problems);
  if (s.tls.cert_file.empty() != s.tls.key_file.empty())
    problems.push_back("amqp.tls_cert_file, amqp.tls_key_file: give both or neither");
  get(t, "exchange", p, s.events_exchange, problems);
  if (s.events_exchange.empty()) problems.push_back("amqp.exchange: must not be empty");
  get_choice(t, "queue_type", p, s.queues,
             {{"classic", amqp::queue_type::classic}, {"quorum", amqp::queue_type::quorum}},
             problems);
  get_seconds(t, "heartbeat_seconds", p, s.heartbeat, problems);
  get_ms(t, "confirm_timeout_ms", p, s.confirm_timeout, problems);
  get(t, "max_in_flight", p, s.max_in_flight, problems);
  if (s.max_in_flight == 0) problems.push_back("amqp.max_in_flight: must be greater than 0");
}

void parse_spool(const toml::table& t, spool_config& c, problems_t& problems) {
  check_known(t, "spool", {"enabled", "dir", "max_bytes", "segment_bytes"}, problems);
  auto& s = c.settings;
  get(t, "enabled", "spool", c.enabled, problems);
  get(t, "dir", "spool", s.dir, problems);
  get(t, "max_bytes", "spool", s.max_bytes, problems);
  get(t, "segment_bytes", "spool", s.segment_bytes, problems);
  if (s.dir.empty()) problems.push_back("spool.dir: must not be empty");
  if (s.segment_bytes < 4096) problems.push_back("spool.segment_bytes: must be at least 4096");
  if (s.max_bytes < s.segment_bytes)
    problems.push_back("spool.max_bytes: must be at least spool.segment_bytes");
}

void parse_dedupe(const toml::table& t, dedupe_settings& s, problems_t& problems) {
  const std::string p = "dedupe";
  check_known(t, p,
              {"window_seconds", "max_entries", "backend", "redis_url", "redis_url_env",
               "redis_url_file", "redis_prefix", "redis_timeout_ms", "redis_claim_ms"},
              problems);
  get_seconds(t, "window_seconds", "dedupe", s.window, problems);
  get_choice(t, "backend", p, s.backend,
             {{"memory", dedupe_backend::memory}, {"redis", dedupe_backend::redis}}, problems);
  if (auto url = read_secret(t, "redis_url", p, problems, secret_presence::optional)) {
    // The message never quotes the URL: it may hold a password.
    if (!redis::parse_url(*url))
      problems.push_back(
          "dedupe.redis_url: expected redis://[[user]:password@]host[:port][/db] (rediss:// is "
          "not supported)");
    s.redis_url = std::move(*url);
  }
  if (s.backend == dedupe_backend::redis && s.redis_url.empty() && !t.contains("redis_url_env") &&
      !t.contains("redis_url_file"))
    problems.push_back("dedupe.redis_url: required when dedupe.backend = \"redis\"");
  if (s.backend == dedupe_backend::memory && !s.redis_url.empty())
    problems.push_back("dedupe.redis_url: only used with dedupe.backend = \"redis\"");
  if (get(t, "redis_prefix", p, s.redis_prefix, problems) && s.redis_prefix.empty())
    problems.push_back("dedupe.redis_prefix: must not be empty");
  get_ms(t, "redis_timeout_ms", p, s.redis_timeout, problems);
  get_ms(t, "redis_claim_ms", p, s.redis_claim, problems);
  get(t, "max_entries", "dedupe", s.max_entries, problems);
  if (s.max_entries == 0) problems.push_back("dedupe.max_entries: must be greater than 0");
  if (s.max_entries > handlers::dedupe_window::max_capacity) {
    problems.push_back("dedupe.max_entries: at most " +
                       std::to_string(handlers::dedupe_window::max_capacity));
  }
}

// amqp.history lives in amqp_settings: the topology declares the stream.
void parse_history(const toml::table& t, amqp::history_settings& s, problems_t& problems) {
  const std::string p = "history";
  check_known(t, p, {"enabled", "max_age", "max_bytes"}, problems);
  get(t, "enabled", p, s.enabled, problems);
  if (get(t, "max_age", p, s.max_age, problems) && !amqp::valid_history_max_age(s.max_age))
    problems.push_back(
        "history.max_age: expected a positive number and one unit of Y M D h m s, like \"7D\"");
  if (get(t, "max_bytes", p, s.max_bytes, problems) && s.max_bytes < 1'000'000)
    problems.push_back("history.max_bytes: must be at least 1000000");
}

void parse_tracing(const toml::table& t, tracing_settings& s, problems_t& problems) {
  const std::string p = "tracing";
  check_known(t, p, {"otlp_endpoint"}, problems);
  if (get(t, "otlp_endpoint", p, s.otlp_endpoint, problems) && !s.otlp_endpoint.empty() &&
      s.otlp_endpoint.rfind("http://", 0) != 0 && s.otlp_endpoint.rfind("https://", 0) != 0)
    problems.push_back("tracing.otlp_endpoint: expected an http:// or https:// URL");
}

bool valid_source_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void parse_source(const std::string& name, const toml::table& t, handlers::source_settings& s,
                  problems_t& problems) {
  const std::string p = "sources." + name;
  check_known(t, p,
              {"mode", "keys", "keys_env", "keys_file", "api_keys", "api_keys_env", "api_keys_file",
               "layout", "encoding", "iv_header", "require_encryption", "signing_secret",
               "signing_secret_env", "signing_secret_file", "signature_tolerance_seconds",
               "max_decrypt_attempts"},
              problems);
  s.name = name;
  if (!valid_source_name(name))
    problems.push_back(p + ": source names may only use letters, digits, '-', '_' and '.'");

  get_choice(t, "mode", p, s.mode, crypto::cipher_mode_names, problems);

  auto keys = read_secret_list(t, "keys", p, problems);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto k = crypto::parse_key(keys[i]);
    if (k)
      s.keys.push_back(*k);
    else
      problems.push_back(p + ".keys[" + std::to_string(i) +
                         "]: not an AES-256 key (32 characters, hex:<64 hex digits> or "
                         "base64:<32 bytes>)");
  }
  s.api_keys = read_secret_list(t, "api_keys", p, problems);
  for (const auto& k : s.api_keys)
    if (k.empty()) problems.push_back(p + ".api_keys: an API key must not be empty");

  get_choice(t, "layout", p, s.layout, handlers::layout_names(handlers::name_use::receiving),
             problems);
  get_choice(t, "encoding", p, s.encoding, handlers::encoding_names(handlers::name_use::receiving),
             problems);
  if (get(t, "iv_header", p, s.iv_header, problems)) {
    for (auto& c : s.iv_header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s.iv_header.empty()) problems.push_back(p + ".iv_header: must not be empty");
  }
  s.require_encryption = !s.keys.empty();
  get(t, "require_encryption", p, s.require_encryption, problems);

  if (auto secret = read_secret(t, "signing_secret", p, problems, secret_presence::optional)) {
    auto parsed = crypto::webhook_secret::parse(*secret);
    if (parsed)
      s.signing_secret = std::move(*parsed);
    else
      problems.push_back(p + ".signing_secret: must be whsec_ followed by base64");
  }
  get_seconds(t, "signature_tolerance_seconds", p, s.signature_tolerance, problems);
  get(t, "max_decrypt_attempts", p, s.max_decrypt_attempts, problems);  // 0: refused by validate

  // Only judge the combination when each setting parsed on its own.
  if (problems.empty())
    if (auto problem = handlers::validate(s)) problems.push_back(*problem);
}

std::vector<std::chrono::milliseconds> get_ms_list(const toml::table& t, std::string_view key,
                                                   const std::string& path, problems_t& problems) {
  std::vector<std::chrono::milliseconds> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const auto* arr = n->as_array();
  bool ok = arr != nullptr && !arr->empty();
  if (ok) {
    for (const auto& item : *arr) {
      auto v = item.value_exact<std::int64_t>();
      if (!v || *v <= 0) {
        ok = false;
        break;
      }
      out.emplace_back(*v);
    }
  }
  if (!ok) {
    problems.push_back(join(path, key) + ": must be a non-empty list of positive milliseconds");
    out.clear();
  }
  return out;
}

void parse_outbound(const toml::table& t, outbound_settings& s, problems_t& problems) {
  const std::string p = "outbound";
  check_known(t, p,
              {"enabled", "prefetch", "retry_schedule_ms", "delay_ladder_ms", "connect_timeout_ms",
               "drain_timeout_ms"},
              problems);
  get(t, "enabled", p, s.enabled, problems);
  get(t, "prefetch", p, s.prefetch, problems);
  if (s.prefetch == 0 || s.prefetch > 65535)
    problems.push_back("outbound.prefetch: must be between 1 and 65535");
  s.retry_schedule = get_ms_list(t, "retry_schedule_ms", p, problems);
  if (t.contains("delay_ladder_ms")) {
    s.delay_ladder = get_ms_list(t, "delay_ladder_ms", p, problems);
    if (auto problem = amqp::check_retry_rungs(s.delay_ladder))
      problems.push_back("outbound.delay_ladder_ms: " + *problem);
  }
  get_ms(t, "connect_timeout_ms", p, s.connect_timeout, problems);
  get_ms(t, "drain_timeout_ms", p, s.drain_timeout, problems);
}

bool valid_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 64) return false;
  for (char c : kind)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

bool http_url(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

void parse_target(const std::string& kind, const toml::table& t, target_settings& s,
                  problems_t& problems) {
  const std::string p = "targets." + kind;
  check_known(t, p,
              {"url",
               "auth",
               "api_key",
               "api_key_env",
               "api_key_file",
               "handshake_url",
               "key",
               "key_env",
               "key_file",
               "mode",
               "layout",
               "encoding",
               "iv_header",
               "signing_secret",
               "signing_secret_env",
               "signing_secret_file",
               "timeout_ms",
               "max_in_flight",
               "rate_limit",
               "ca_file",
               "session_ttl_seconds",
               "session_renew_before_seconds"},
              problems);
  s.kind = kind;
  if (!valid_kind(kind))
    problems.push_back(p + ": kind names may only use a-z, 0-9 and '-' (at most 64)");
  if (!get(t, "url", p, s.url, problems))
    problems.push_back(p + ".url: required");
  else if (!http_url(s.url))
    problems.push_back(p + ".url: must be an https:// (or, for local use, http://) URL");

  get_choice(t, "auth", p, s.auth,
             {{"api-key", target_auth::api_key}, {"workflow", target_auth::workflow}}, problems);
  if (auto k = read_secret(t, "api_key", p, problems, secret_presence::required))
    s.api_key = std::move(*k);
  if (get(t, "handshake_url", p, s.handshake_url, problems) && !http_url(s.handshake_url))
    problems.push_back(p + ".handshake_url: must be an https:// or http:// URL");
  if (s.auth == target_auth::workflow && s.handshake_url.empty())
    problems.push_back(p + ".handshake_url: required when auth = \"workflow\"");
  if (s.auth != target_auth::workflow && !s.handshake_url.empty())
    problems.push_back(p + ".handshake_url: only used with auth = \"workflow\"");

  if (auto key = read_secret(t, "key", p, problems, secret_presence::optional)) {
    if (auto parsed = crypto::parse_key(*key))
      s.key = *parsed;
    else
      problems.push_back(p +
                         ".key: not an AES-256 key (32 characters, hex:<64 hex digits> or "
                         "base64:<32 bytes>)");
  }
  get_choice(t, "mode", p, s.mode, crypto::cipher_mode_names, problems);
  // Sending is strict: one explicit layout and encoding, never auto.
  get_choice(t, "layout", p, s.layout, handlers::layout_names(handlers::name_use::sending),
             problems);
  get_choice(t, "encoding", p, s.encoding, handlers::encoding_names(handlers::name_use::sending),
             problems);
  if (get(t, "iv_header", p, s.iv_header, problems) && s.iv_header.empty())
    problems.push_back(p + ".iv_header: must not be empty");
  if (auto secret = read_secret(t, "signing_secret", p, problems, secret_presence::optional)) {
    if (auto parsed = crypto::webhook_secret::parse(*secret))
      s.signing_secret = std::move(*parsed);
    else
      problems.push_back(p + ".signing_secret: must be whsec_ followed by base64");
  }
  get_ms(t, "timeout_ms", p, s.timeout, problems);
  get(t, "max_in_flight", p, s.max_in_flight, problems);
  if (s.max_in_flight == 0) problems.push_back(p + ".max_in_flight: must be greater than 0");
  if (const toml::node* n = t.get("rate_limit")) {
    auto v = n->value<double>();
    if (!v || *v < 0)
      problems.push_back(p +
                         ".rate_limit: must be a number of requests per second (0 = unlimited)");
    else
      s.rate_limit = *v;
  }
  get(t, "ca_file", p, s.ca_file, problems);
  get_seconds(t, "session_ttl_seconds", p, s.session_ttl, problems);
  get_seconds(t, "session_renew_before_seconds", p, s.session_renew_before, problems);
  if (s.session_renew_before >= s.session_ttl)
    problems.push_back(p +
                       ".session_renew_before_seconds: must be shorter than session_ttl_seconds");
}

}  // namespace

config_result parse_config(std::string_view toml_text, const std::string& origin) {
  config_result out;
  auto& problems = out.problems;
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ":" << e.source().begin.line << ":" << e.source().begin.column
        << ": TOML syntax error: " << e.description();
    problems.push_back(msg.str());
    return out;
  }

  gateway_config cfg;
  check_known(root, "",
              {"server", "log", "amqp", "spool", "dedupe", "sources", "outbound", "targets",
               "tracing", "history"},
              problems);
  if (auto* t = subtable(root, "server", problems)) parse_server(*t, cfg.server, problems);
  if (auto* t = subtable(root, "log", problems)) parse_log(*t, cfg.log, problems);
  if (auto* t = subtable(root, "amqp", problems)) parse_amqp(*t, cfg.amqp, problems);
  if (auto* t = subtable(root, "spool", problems)) parse_spool(*t, cfg.spool, problems);
  if (auto* t = subtable(root, "dedupe", problems)) parse_dedupe(*t, cfg.dedupe, problems);
  if (auto* t = subtable(root, "history", problems)) parse_history(*t, cfg.amqp.history, problems);
  if (auto* t = subtable(root, "tracing", problems)) parse_tracing(*t, cfg.tracing, problems);
  if (auto* sources = subtable(root, "sources", problems)) {
    for (const auto& [name, node] : *sources) {
      const auto* t = node.as_table();
      if (!t) {
        problems.push_back("sources." + std::string(name.str()) + ": must be a table");
        continue;
      }
      handlers::source_settings s;
      problems_t source_problems;
      parse_source(std::string(name.str()), *t, s, source_problems);
      if (source_problems.empty())
        cfg.sources.push_back(std::move(s));
      else
        problems.insert(problems.end(), source_problems.begin(), source_problems.end());
    }
  }
  if (auto* targets = subtable(root, "targets", problems)) {
    for (const auto& [kind, node] : *targets) {
      const auto* t = node.as_table();
      if (!t) {
        problems.push_back("targets." + std::string(kind.str()) + ": must be a table");
        continue;
      }
      target_settings target;
      parse_target(std::string(kind.str()), *t, target, problems);
      cfg.targets.push_back(std::move(target));
    }
  }
  cfg.outbound.enabled = !cfg.targets.empty();
  if (auto* t = subtable(root, "outbound", problems)) parse_outbound(*t, cfg.outbound, problems);
  if (cfg.sources.empty() && cfg.targets.empty() && problems.empty())
    problems.push_back(
        "sources: at least one [sources.NAME] (or, for an outbound-only gateway, "
        "[targets.KIND]) table is required");

  if (problems.empty()) out.config = std::move(cfg);
  return out;
}

config_result load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, {path + ": cannot read the config file"}};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace rai::gateway
