#include "tools/dlq_flags.hpp"

#include "tools/config_flags.hpp"

namespace rai::tool {

outcome<std::string> amqp_url_from(const parsed_args& a) {
  if (const auto url = a.last("--amqp-url")) return *url;
  const auto cfg = config_from_flags(a);
  if (!cfg) return cfg.error();
  if (*cfg) return (*cfg)->amqp.url;
  return std::string(default_amqp_url);
}

outcome<std::chrono::milliseconds> amqp_timeout_from(const parsed_args& a) {
  const auto ms = number_flag(a, "--timeout-ms", 10'000, 1, 3'600'000);
  if (!ms) return ms.error();
  return std::chrono::milliseconds(*ms);
}

}  // namespace rai::tool
