#include "gateway/reload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>

namespace rai::gateway {
namespace {

gateway_config base() {
  gateway_config c;
  c.sources.push_back({});
  c.sources.back().name = "default";
  target_settings t;
  t.kind = "currency";
  t.url = "https://example.test/currency";
  t.api_key = "old";
  c.targets.push_back(t);
  return c;
}

// The TLS files, moved in from strings: assigning a one-character literal to a
// string g++ 12 knows to be empty makes it report a false -Wrestrict at -O3
// (GCC PR 105329, libstdc++'s _M_replace); a move assignment copies nothing.
void set_tls(gateway_config& c, std::string cert, std::string key) {
  c.server.tls_cert_file = std::move(cert);
  c.server.tls_key_file = std::move(key);
}

bool names(const std::vector<std::string>& out, const std::string& what) {
  return std::any_of(out.begin(), out.end(),
                     [&](const std::string& s) { return s.find(what) != std::string::npos; });
}

TEST(Reload, WhatAReloadAppliesNeedsNoRestart) {
  const auto running = base();
  auto next = base();
  next.sources[0].name = "renamed";
  next.sources.push_back({});
  next.log.level = "debug";
  next.targets[0].api_key = "new";
  next.targets[0].timeout = std::chrono::milliseconds(1234);
  set_tls(next, "a.pem", "a.key");  // both empty before: this turns TLS on
  const auto out = settings_needing_restart(running, next);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(names(out, "turning TLS on or off"));

  auto tls_running = base();
  set_tls(tls_running, "old.pem", "old.key");
  auto tls_next = tls_running;
  set_tls(tls_next, "new.pem", "old.key");  // a new certificate is applied live
  EXPECT_TRUE(settings_needing_restart(tls_running, tls_next).empty());
}

TEST(Reload, StartupSettingsAreNamed) {
  const auto running = base();
  auto next = base();
  next.server.listen.port = 1;
  next.amqp.urls = {"amqp://elsewhere/"};
  next.spool.settings.max_bytes = 1;
  next.dedupe.max_entries = 1;
  next.outbound.prefetch = 1;
  next.log.json = true;
  next.targets[0].url = "https://example.test/moved";
  target_settings extra;
  extra.kind = "user-fields";
  next.targets.push_back(extra);
  const auto out = settings_needing_restart(running, next);
  for (const char* what : {"server", "amqp", "spool", "dedupe", "outbound", "log.format",
                           "targets.currency (url", "targets.user-fields (new"})
    EXPECT_TRUE(names(out, what)) << what;

  // The shared window's settings are fixed at start too (the connection and
  // the key prefix are made once).
  for (auto change :
       {+[](gateway_config& c) { c.dedupe.backend = dedupe_backend::redis; },
        +[](gateway_config& c) { c.dedupe.redis_url = "redis://elsewhere"; },
        +[](gateway_config& c) { c.dedupe.redis_prefix = "other:"; },
        +[](gateway_config& c) { c.dedupe.redis_timeout = std::chrono::milliseconds(9); },
        +[](gateway_config& c) { c.dedupe.redis_claim = std::chrono::milliseconds(9); }}) {
    auto changed = base();
    change(changed);
    EXPECT_TRUE(names(settings_needing_restart(running, changed), "dedupe"));
  }

  auto removed = base();
  removed.targets.clear();
  EXPECT_TRUE(names(settings_needing_restart(running, removed), "targets.currency (removed"));
}

// [history] and [tracing] are read at start (the topology is declared on
// connect, the exporter made once); [history] is named on its own, not as
// "amqp", although it lives in amqp_settings.
TEST(Reload, HistoryAndTracingNeedARestart) {
  const auto running = base();
  for (auto change : {+[](gateway_config& c) { c.amqp.history.enabled = true; },
                      +[](gateway_config& c) { c.amqp.history.max_age = "1D"; },
                      +[](gateway_config& c) { c.amqp.history.max_bytes = 1'000'000; }}) {
    auto changed = base();
    change(changed);
    const auto out = settings_needing_restart(running, changed);
    EXPECT_TRUE(names(out, "history"));
    EXPECT_FALSE(names(out, "amqp"));
  }
  auto traced = base();
  traced.tracing.otlp_endpoint = "http://127.0.0.1:4318/v1/traces";
  const auto out = settings_needing_restart(running, traced);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "tracing");
  EXPECT_TRUE(settings_needing_restart(running, base()).empty());
}

}  // namespace
}  // namespace rai::gateway
