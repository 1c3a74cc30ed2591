#include "gateway/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "handlers/json_text.hpp"

namespace rai::gateway {
namespace {

bool json_format = false;
bool access_enabled = true;
std::shared_ptr<spdlog::logger> access_logger;

// Every message of the default logger is escaped as a whole when it is
// formatted, so no call site has to remember it: ids, kinds, URLs, broker
// and peer texts in a message cannot end the line, forge another, send
// terminal controls or reorder text with bidi overrides.
//   %* the message, escaped for a JSON string literal (log.format = json)
//   %~ the message, escaped for one line of text (log.format = text)
template <bool Json>
class escaped_message final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string escaped;
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if constexpr (Json)
      handlers::append_json_escaped(escaped, payload);
    else
      handlers::append_text_escaped(escaped, payload);
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<escaped_message>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(const std::string& pattern) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<escaped_message<true>>('*').add_flag<escaped_message<false>>('~').set_pattern(
      pattern);
  return f;
}

// A value of a text access line: as is when it is plain printable ASCII
// without space, '"', '=' or a backslash; otherwise quoted and escaped (logfmt),
// so a value can neither hide a control character nor pose as another field.
void append_text_value(std::string& line, std::string_view value) {
  bool plain = !value.empty();
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    plain = plain && c > 0x20 && c < 0x7F && c != '"' && c != '=' && c != '\\';
  }
  if (plain) {
    line += value;
    return;
  }
  handlers::append_json_string(line, value);
}

}  // namespace

void setup_logging(const log_settings& settings) {
  json_format = settings.json;
  access_enabled = settings.access;
  spdlog::init_thread_pool(16384, 1);
  auto make = [&](const char* name, const std::string& pattern) {
    // A sink of its own: a sink has one formatter, and set_formatter() below
    // would otherwise give both loggers the pattern set last. The one thread
    // of the pool writes every line, so the two never interleave.
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto logger = std::make_shared<spdlog::async_logger>(
        name, sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
    logger->set_formatter(make_formatter(pattern));
    logger->set_level(spdlog::level::from_str(settings.level));
    logger->flush_on(spdlog::level::warn);
    return logger;
  };
  const std::string ts = "%Y-%m-%dT%H:%M:%S.%eZ";
  if (settings.json) {
    spdlog::set_default_logger(
        make("rai-gateway", R"({"ts":")" + ts + R"(","level":"%l","msg":"%*"})"));
    // Access records are already a run of "key":"value" members.
    access_logger = make("access", R"({"ts":")" + ts + R"(","level":"%l",%v})");
  } else {
    spdlog::set_default_logger(make("rai-gateway", ts + " %l %~"));
    // Access records are built of escaped values already.
    access_logger = make("access", ts + " %l %v");
  }
  spdlog::register_logger(access_logger);  // follows spdlog::set_level on reload
}

void shutdown_logging() {
  access_logger.reset();
  spdlog::shutdown();
}

void log_access(const access_record& r) {
  if (!access_enabled || !access_logger || !access_logger->should_log(spdlog::level::info)) return;
  std::string line;
  line.reserve(256);
  auto field = [&](std::string_view key, std::string_view value) {
    if (json_format) {
      line += ",\"";
      line += key;
      line += "\":\"";
      handlers::append_json_escaped(line, value);
      line += '"';
    } else {
      line += ' ';
      line += key;
      line += '=';
      append_text_value(line, value);
    }
  };
  line += json_format ? "\"msg\":\"request\"" : "request";
  field("method", r.method);
  field("path", r.path);
  if (!r.source.empty()) field("source", r.source);
  if (!r.event.empty()) field("event", r.event);
  if (!r.id.empty()) field("id", r.id);
  if (!r.trace_id.empty()) field("trace_id", r.trace_id);
  field("status", std::to_string(r.status));
  if (r.duplicate) field("duplicate", "true");
  if (r.spooled) field("spooled", "true");
  if (!r.error.empty()) field("error", r.error);
  field("latency_us", std::to_string(r.latency_us));
  access_logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace rai::gateway
