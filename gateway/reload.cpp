#include "gateway/reload.hpp"

#include <algorithm>

namespace rai::gateway {
namespace {

// The server settings a reload cannot change: all but the TLS files.
server_settings without_tls(server_settings s) {
  s.tls_cert_file.clear();
  s.tls_key_file.clear();
  return s;
}

// The target fields fixed when the target was built (URLs, auth kind, limits).
bool same_shape(const target_settings& a, const target_settings& b) {
  return a.url == b.url && a.handshake_url == b.handshake_url && a.auth == b.auth &&
         a.max_in_flight == b.max_in_flight && a.rate_limit == b.rate_limit &&
         a.session_ttl == b.session_ttl && a.session_renew_before == b.session_renew_before;
}

}  // namespace

std::vector<std::string> settings_needing_restart(const gateway_config& running,
                                                  const gateway_config& next) {
  std::vector<std::string> out;
  if (without_tls(running.server) != without_tls(next.server)) out.push_back("server");
  if (running.server.tls_cert_file.empty() != next.server.tls_cert_file.empty())
    out.push_back("server.tls_cert_file (turning TLS on or off)");
  if (running.log.json != next.log.json || running.log.access != next.log.access)
    out.push_back("log.format / log.access");
  if (running.amqp.history != next.amqp.history) out.push_back("history");
  {
    amqp::amqp_settings a = running.amqp, b = next.amqp;
    a.history = b.history = {};
    if (a != b) out.push_back("amqp");
  }
  if (running.spool != next.spool) out.push_back("spool");
  if (running.dedupe != next.dedupe) out.push_back("dedupe");
  if (running.outbound != next.outbound) out.push_back("outbound");
  if (running.tracing != next.tracing) out.push_back("tracing");
  for (const auto& t : next.targets) {
    auto it = std::find_if(running.targets.begin(), running.targets.end(),
                           [&](const target_settings& r) { return r.kind == t.kind; });
    if (it == running.targets.end())
      out.push_back("targets." + t.kind + " (new target)");
    else if (!same_shape(*it, t))
      out.push_back("targets." + t.kind + " (url, auth or limits)");
  }
  for (const auto& r : running.targets) {
    if (std::none_of(next.targets.begin(), next.targets.end(),
                     [&](const target_settings& t) { return t.kind == r.kind; }))
      out.push_back("targets." + r.kind + " (removed target)");
  }
  return out;
}

}  // namespace rai::gateway
