#include "gateway/redis_dedupe_store.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>

#include "amqp/backoff.hpp"
#include "crypto/aes.hpp"
#include "crypto/hash.hpp"
#include "redis/connection.hpp"

namespace rai::gateway {
namespace {

using views = std::span<const std::string_view>;

constexpr std::string_view committed = "committed";
// Deletes the key only while it still holds our claim: a claim that expired
// and was taken by another replica meanwhile is theirs.
constexpr std::string_view release_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::string random_hex(std::size_t n) {
  std::array<std::uint8_t, 32> bytes{};
  if (n > bytes.size() || !crypto::random_bytes(std::span(bytes).first(n)))
    throw std::runtime_error("dedupe: no random bytes");
  return hex(std::span(bytes).first(n));
}

std::string why(const redis::connection::result_type& r) {
  if (!r) return r.error().message();
  if (r->is_error()) return "error reply: " + r->str;
  return "unexpected reply";
}

}  // namespace

struct redis_dedupe_store::live {
  std::shared_ptr<redis::connection> connection;
  std::string salt;
};

redis_dedupe_store::redis_dedupe_store(net::any_io_executor ex, redis_dedupe_settings settings,
                                       dedupe_store_metrics& metrics)
    : settings_(std::move(settings)),
      where_(redis::redacted(settings_.where)),
      metrics_(metrics),
      strand_(net::make_strand(ex)),
      retry_timer_(strand_),
      token_prefix_(random_hex(8) + ":") {}

redis_dedupe_store::~redis_dedupe_store() = default;

void redis_dedupe_store::start() {
  net::co_spawn(strand_, keep_connected(), net::detached);
}

void redis_dedupe_store::stop() {
  net::dispatch(strand_, [this] {
    stopping_ = true;
    retry_timer_.cancel();
    if (current_) current_->close();
  });
}

// Connect, agree on the salt, serve until the connection breaks, wait, again.
net::awaitable<void> redis_dedupe_store::keep_connected() {
  amqp::reconnect_backoff backoff(std::chrono::milliseconds(100), std::chrono::seconds(5));
  const redis::connection_settings cs{.where = settings_.where,
                                      .connect_timeout = std::max<std::chrono::milliseconds>(
                                          settings_.timeout, std::chrono::seconds(1)),
                                      .command_timeout = settings_.timeout,
                                      .max_pending = 65536};
  const std::string salt_key = settings_.prefix + "salt";
  while (!stopping_) {
    std::string failure;
    auto c = co_await redis::connection::connect(strand_, cs);
    if (!c) {
      failure = "cannot connect: " + c.error().message();
    } else {
      current_ = *c;
      // The first replica to connect sets the salt; every other one reads it.
      // It has no expiry (keep maxmemory-policy away from allkeys-*).
      const std::string proposed = random_hex(16);
      const std::array<std::string_view, 4> set_salt{"SET", salt_key, proposed, "NX"};
      const std::array<std::string_view, 2> get_salt{"GET", salt_key};
      (*c)->send(views(set_salt));
      auto salt = co_await (*c)->command(views(get_salt));
      if (salt && salt->type == redis::reply::kind::string && !salt->str.empty()) {
        live_.store(std::make_shared<const live>(live{*c, salt->str}));
        note_success();
        backoff.reset();
        co_await (*c)->wait_closed();
        live_.store(nullptr);
        failure = "connection lost";
      } else {
        failure = "cannot read the shared salt: " + why(salt);
        (*c)->close();
      }
      current_.reset();
    }
    if (stopping_) break;
    metrics_.errors.inc();
    mark_down(failure);
    retry_timer_.expires_after(backoff.next());
    co_await retry_timer_.async_wait(use_nothrow);
  }
  live_.store(nullptr);
}

net::awaitable<redis_dedupe_store::claim> redis_dedupe_store::begin(std::string_view source,
                                                                    std::string_view id) {
  const std::shared_ptr<const live> l = live_.load();
  if (!l) co_return claim{};  // down: the local window decides, at once
  const auto mac = crypto::hmac_sha256_concat(
      crypto::as_bytes(l->salt),
      {crypto::as_bytes(source), crypto::as_bytes(std::string_view("\0", 1)),
       crypto::as_bytes(id)});
  claim c;
  c.key = settings_.prefix + hex(std::span(mac).first(12));
  c.token = token_prefix_ + std::to_string(next_token_.fetch_add(1, std::memory_order_relaxed));
  const std::string px = std::to_string(settings_.claim.count());
  const std::array<std::string_view, 7> args{"SET", c.key, c.token, "NX", "GET", "PX", px};
  const auto r = co_await l->connection->command(views(args));
  if (r && r->is_nil()) {
    c.outcome = verdict::fresh;
  } else if (r && r->is(committed)) {
    c.outcome = verdict::duplicate;
  } else if (r && r->type == redis::reply::kind::string) {
    c.outcome = verdict::in_flight;  // another request's token, here or at another replica
  } else {
    note_failure(why(r));
    co_return claim{};
  }
  note_success();
  co_return c;
}

void redis_dedupe_store::commit(const claim& c) {
  if (c.outcome != verdict::fresh) return;
  const std::shared_ptr<const live> l = live_.load();
  if (!l) {
    // Lost with the connection: other replicas see the claim until it
    // expires (redis_claim_ms), then the id as new.
    metrics_.errors.inc();
    return;
  }
  const std::string px = std::to_string(std::chrono::milliseconds(settings_.window).count());
  const std::array<std::string_view, 5> args{"SET", c.key, committed, "PX", px};
  l->connection->send(views(args), [this](redis::connection::result_type r) {
    if (!r || !r->is("OK")) note_failure(why(r));
  });
}

void redis_dedupe_store::release(const claim& c) {
  if (c.outcome != verdict::fresh) return;
  const std::shared_ptr<const live> l = live_.load();
  if (!l) return;  // the claim expires by itself
  const std::array<std::string_view, 5> args{"EVAL", release_script, "1", c.key, c.token};
  l->connection->send(views(args), [this](redis::connection::result_type r) {
    if (!r || r->type != redis::reply::kind::integer) note_failure(why(r));
  });
}

void redis_dedupe_store::note_failure(std::string_view reason) {
  metrics_.errors.inc();
  mark_down(reason);
}

void redis_dedupe_store::note_success() {
  const state was = state_.exchange(state::up);
  if (was == state::up) return;
  metrics_.up.set(1);
  if (was == state::unknown)
    spdlog::info("dedupe: sharing the window through Redis at {}", where_);
  else
    spdlog::info("dedupe: Redis at {} is back: the window is shared again", where_);
}

void redis_dedupe_store::mark_down(std::string_view reason) {
  if (state_.exchange(state::down) == state::down) return;
  metrics_.up.set(0);
  spdlog::warn(
      "dedupe: Redis at {} unavailable ({}): accepting with this replica's own window until it "
      "is back",
      where_, reason);
}

}  // namespace rai::gateway
