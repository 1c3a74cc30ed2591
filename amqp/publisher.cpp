// rai::amqp::publisher — design
//
// Threads. One publisher thread owns the rabbitmq-c connection and its one
// channel (rabbitmq-c is not thread-safe per connection); no other thread ever
// calls amqp_*. publish() may be called from any thread and never touches the
// network: under a mutex it appends the job to `queued_` and, when that vector
// goes from empty to non-empty, writes an eventfd that wakes the thread. A
// publish is refused on the caller's thread, without queueing, when the
// publisher is not connected (`unavailable`) or when `max_in_flight` jobs are
// queued or unconfirmed (`overloaded`).
//
// Loop. Each turn the thread clears the eventfd, swaps the whole `queued_`
// vector out as one batch and basic.publishes every job (mandatory,
// persistent) without waiting for confirms in between, recording delivery tag
// -> job in a confirm_tracker (tags count from 1 per channel; a deque indexed
// by tag - base). Every 256 publishes of a large batch it reads whatever
// frames have arrived, so acks never pile up in the socket. Then it reads
// frames with amqp_simple_wait_frame_noblock and a zero timeout until none is
// left, expires jobs past their confirm deadline (`timed_out`; a late ack is
// ignored), runs the settled completions, and sleeps in poll() on the socket
// fd and the eventfd. The poll timeout is the next confirm deadline, capped
// at half the heartbeat (at most 1 s), so rabbitmq-c, which sends and checks
// heartbeats inside the frame read, keeps them serviced. Frames already
// buffered by rabbitmq-c (amqp_frames_enqueued / amqp_data_in_buffer) skip
// the poll.
//
// Frames. basic.ack settles as `confirmed` (all tags <= delivery_tag when
// `multiple`); basic.nack as `nacked`. basic.return (mandatory, no queue and
// no alternate exchange) is followed by the message's header and body, read
// with amqp_read_message; the oldest pending job with the same message_id,
// exchange and routing key is marked returned, and the broker's ack for it,
// which always follows the return, settles it as `returned`. channel.close,
// connection.close, a socket error or a missed heartbeat: every pending and
// unsent job completes with `connection_lost`, publish() starts refusing with
// `unavailable`, the connection is torn down (answering the broker's close),
// and the thread reconnects, to the next node of amqp.urls (node_ring), with
// exponential backoff between reconnect_min and reconnect_max with jitter
// (what was in flight has settled by then, on whichever node).
// connection.blocked (resource alarm) stops sending: jobs wait unsent and
// time out at their deadline instead of wedging the thread in a blocking
// send.
//
// Connect. To the ring's current node (a random one first, so replicas
// spread; the next one after each failure): open the socket
// (connect_timeout), log in with the heartbeat and a connection_name client
// property, open channel 1, declare
// the topology of docs/wire-format.md §6 (detail::declare_topology), confirm.select;
// only then does connected() turn true. Each RPC is bounded by connect_timeout.
//
// Completions. Every accepted job's completion runs exactly once, on the
// publisher thread, outside the lock, in one batch per frame read. The
// confirm deadline runs from the publish() call. stop() refuses new
// publishes, sends what was already queued, reads confirms for up to 2 s,
// completes the rest with `connection_lost`, closes channel and connection
// and joins the thread.

#include "amqp/publisher.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <pthread.h>
#include <sys/time.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "amqp/confirm_tracker.hpp"
#include "amqp/detail/amqp.hpp"
#include "amqp/detail/loop.hpp"
#include "amqp/detail/publish.hpp"
#include "amqp/detail/topology.hpp"
#include "amqp/node_ring.hpp"

namespace rai::amqp {

namespace {

using clock = detail::loop_clock;
using std::chrono::milliseconds;

constexpr amqp_channel_t k_channel = 1;
constexpr milliseconds k_stop_grace{2000};     // stop(): time to read outstanding confirms
constexpr milliseconds k_close_timeout{1000};  // each close RPC
constexpr std::size_t k_read_every = 256;      // publishes between frame reads in a batch
constexpr int k_max_frames_per_read = 4096;    // then give the loop a turn

struct job {
  message msg;
  publisher::completion done;
  clock::time_point deadline;  // publish() time + confirm_timeout
};

using result_counters = std::array<std::atomic<std::uint64_t>, publish_status_count>;

void run_completion(const publisher::completion& done, publish_status status,
                    result_counters& counters) noexcept {
  counters[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  if (!done) return;
  try {
    done(status);
  } catch (const std::exception& e) {
    spdlog::error("amqp publisher: a completion threw: {}", e.what());
  } catch (...) {
    spdlog::error("amqp publisher: a completion threw");
  }
}

}  // namespace

struct publisher::impl {
  explicit impl(amqp_settings settings);
  ~impl();
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  void start();
  void stop();
  void publish(message&& m, completion done);

  const amqp_settings settings_;
  // The node the publisher thread connects to and its failovers; /metrics
  // reads connected_node() and failovers() from any thread.
  node_ring nodes_;
  detail::wake_event wake_;  // publish() and stop() -> publisher thread

  std::mutex lifecycle_mu_;  // start() / stop()
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> connected_{false};
  std::vector<std::function<void()>> when_connected_;  // under mu_; run once connected
  result_counters results_{};
  std::atomic<std::uint64_t> reconnects_{0};

  std::mutex mu_;  // guards the three below
  std::vector<job> queued_;
  std::size_t in_flight_ = 0;  // accepted and not yet completed
  bool accepting_ = false;     // connected, topology declared, confirms on, not stopping

  // --- publisher thread only --------------------------------------------------
  void run();
  result<> connect(const std::string& url);
  std::string serve();  // why the connection ended; "" when stopping
  void finish();
  void lose_connection(const detail::failure& lost);

  bool take_batch();  // returns stop_requested
  detail::step<> publish_unsent();
  detail::step<> read_frames();
  detail::step<> handle_frame(const amqp_frame_t& frame);
  detail::step<> handle_return(amqp_channel_t channel, const amqp_basic_return_t& r);
  void expire(clock::time_point now);
  void fail_unsent(publish_status status);
  void deliver();
  clock::duration idle_timeout() const;

  detail::connection_ptr conn_;
  confirm_tracker tracker_;
  std::deque<job> unsent_;
  std::vector<job> incoming_;
  std::vector<confirm_tracker::settled> direct_;  // settled without a delivery tag
  std::vector<amqp_table_entry_t> header_entries_;
  clock::duration service_interval_ = milliseconds{1000};
  bool blocked_ = false;  // connection.blocked from the broker
  bool ever_connected_ = false;
};

publisher::impl::impl(amqp_settings settings)
    : settings_(std::move(settings)), nodes_(settings_.urls) {}

publisher::impl::~impl() = default;

void publisher::impl::start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (thread_.joinable()) return;
  stop_requested_.store(false);
  wake_.drain();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rai-amqp-pub");
    run();
  });
}

void publisher::impl::stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  {
    std::lock_guard lock(mu_);
    stop_requested_.store(true);
    accepting_ = false;
    connected_.store(false);
    when_connected_.clear();
  }
  wake_.signal();
  if (thread_.joinable()) thread_.join();
}

void publisher::impl::publish(message&& m, completion done) {
  std::optional<publish_status> refused;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (!accepting_) {
      refused = publish_status::unavailable;
    } else if (in_flight_ >= settings_.max_in_flight) {
      refused = publish_status::overloaded;
    } else {
      // now() under the lock keeps deadlines in queue order.
      queued_.push_back(
          job{std::move(m), std::move(done), clock::now() + settings_.confirm_timeout});
      ++in_flight_;
      wake = queued_.size() == 1;
    }
  }
  if (refused) {
    run_completion(done, *refused, results_);
  } else if (wake) {
    wake_.signal();
  }
}

// --- publisher thread -------------------------------------------------------

void publisher::impl::run() {
  detail::run_reconnecting(
      "publisher", nodes_, wake_, stop_requested_, settings_.reconnect_min, settings_.reconnect_max,
      [this](const std::string& url) { return connect(url); },
      [this] {
        spdlog::info("amqp publisher: connected to {} as '{}'", nodes_.describe(),
                     settings_.connection_name);
        return serve();
      });
}

result<> publisher::impl::connect(const std::string& url) {
  detail::connect_params params;
  params.url = url;
  params.tls = settings_.tls;
  params.heartbeat = settings_.heartbeat;
  params.timeout = settings_.connect_timeout;
  params.connection_name = settings_.connection_name;
  auto opened = detail::open_connection(params, k_channel);
  if (!opened) return opened.error();
  conn_ = std::move(*opened);

  result<> ready = detail::declare_topology(conn_.get(), k_channel, settings_.queues,
                                            settings_.events_exchange, settings_.history);
  if (ready) {
    amqp_confirm_select(conn_.get(), k_channel);
    ready = detail::check_rpc(conn_.get(), "confirm.select");
  }
  if (!ready) {
    const detail::close_state state = detail::close_state_after(amqp_get_rpc_reply(conn_.get()));
    detail::close_connection(std::move(conn_), k_channel, state, k_close_timeout);
    return ready;
  }

  service_interval_ = detail::service_interval(conn_.get());
  blocked_ = false;
  if (ever_connected_) reconnects_.fetch_add(1, std::memory_order_relaxed);
  ever_connected_ = true;
  return {};
}

std::string publisher::impl::serve() {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    if (!stop_requested_.load()) {
      accepting_ = true;
      connected_.store(true);
      ready.swap(when_connected_);
    }
  }
  for (auto& f : ready) f();
  for (;;) {
    const bool stopping = take_batch();
    detail::step<> up = publish_unsent();
    if (up) up = read_frames();
    expire(clock::now());
    deliver();
    if (!up) {
      lose_connection(up.error());
      return "connection lost: " + up.error().why;
    }
    if (stopping) {
      finish();
      return {};
    }
    detail::wait_for_io(conn_.get(), &wake_, idle_timeout());
  }
}

bool publisher::impl::take_batch() {
  // Clear the eventfd before taking the batch: a publish() that lands after
  // the swap writes it again, so no wake-up is lost.
  wake_.drain();
  bool stopping;
  {
    std::lock_guard lock(mu_);
    incoming_.swap(queued_);
    stopping = stop_requested_.load();
  }
  for (job& j : incoming_) unsent_.push_back(std::move(j));
  incoming_.clear();
  return stopping;
}

detail::step<> publisher::impl::publish_unsent() {
  std::size_t sent = 0;
  detail::step<> up;
  while (up && !blocked_ && sent < unsent_.size()) {
    job& j = unsent_[sent];
    if (const int rc = detail::basic_publish(conn_.get(), k_channel, j.msg, header_entries_);
        rc != AMQP_STATUS_OK) {
      up = detail::socket_failure("basic.publish", rc);
      break;  // this job is failed with the unsent ones
    }
    tracker_.add(std::move(j.done), std::move(j.msg.message_id), std::move(j.msg.exchange),
                 std::move(j.msg.routing_key), j.deadline);
    ++sent;
    if (sent % k_read_every == 0) up = read_frames();
  }
  unsent_.erase(unsent_.begin(), unsent_.begin() + static_cast<std::ptrdiff_t>(sent));
  return up;
}

detail::step<> publisher::impl::read_frames() {
  return detail::read_available_frames(conn_.get(), k_max_frames_per_read,
                                       [this](const amqp_frame_t& f) { return handle_frame(f); });
}

detail::step<> publisher::impl::handle_frame(const amqp_frame_t& frame) {
  if (frame.frame_type != AMQP_FRAME_METHOD) return {};  // stray content: not ours
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
      tracker_.ack(ack->delivery_tag, ack->multiple != 0);
      return {};
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
      tracker_.nack(nack->delivery_tag, nack->multiple != 0);
      return {};
    }
    case AMQP_BASIC_RETURN_METHOD:
      return handle_return(frame.channel, *static_cast<const amqp_basic_return_t*>(method.decoded));
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      return detail::closed_by_broker(method);
    case AMQP_CONNECTION_BLOCKED_METHOD: {
      const auto* blocked = static_cast<const amqp_connection_blocked_t*>(method.decoded);
      spdlog::warn("amqp publisher: broker blocked publishing ({}); holding {} publishes",
                   detail::view_of(blocked->reason), unsent_.size());
      blocked_ = true;
      return {};
    }
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
      spdlog::info("amqp publisher: broker unblocked publishing");
      blocked_ = false;
      return {};
    default:
      return {};
  }
}

detail::step<> publisher::impl::handle_return(amqp_channel_t channel,
                                              const amqp_basic_return_t& r) {
  // Copy out of the frame pool before reading the content frames.
  const std::string exchange(detail::view_of(r.exchange));
  const std::string routing_key(detail::view_of(r.routing_key));
  const std::uint16_t code = r.reply_code;

  amqp_message_t returned;
  const amqp_rpc_reply_t reply = amqp_read_message(conn_.get(), channel, &returned, 0);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    return detail::failed_read("reading a returned message", reply);
  }
  const std::string_view message_id = (returned.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0
                                          ? detail::view_of(returned.properties.message_id)
                                          : std::string_view{};
  if (!tracker_.mark_returned(message_id, exchange, routing_key)) {
    spdlog::warn(
        "amqp publisher: basic.return {} for message '{}' to '{}' key '{}' matches no "
        "pending publish",
        code, message_id, exchange, routing_key);
  }
  amqp_destroy_message(&returned);
  return {};
}

void publisher::impl::expire(clock::time_point now) {
  tracker_.expire(now);
  // Held back by connection.blocked: unsent jobs time out too.
  while (!unsent_.empty() && unsent_.front().deadline <= now) {
    direct_.push_back({std::move(unsent_.front().done), publish_status::timed_out});
    unsent_.pop_front();
  }
}

void publisher::impl::fail_unsent(publish_status status) {
  for (job& j : unsent_) direct_.push_back({std::move(j.done), status});
  unsent_.clear();
}

void publisher::impl::deliver() {
  std::vector<confirm_tracker::settled> done = tracker_.take_settled();
  if (!direct_.empty()) {
    std::move(direct_.begin(), direct_.end(), std::back_inserter(done));
    direct_.clear();
  }
  if (done.empty()) return;
  {
    std::lock_guard lock(mu_);
    in_flight_ -= done.size();
  }
  for (const confirm_tracker::settled& s : done) run_completion(s.done, s.status, results_);
}

clock::duration publisher::impl::idle_timeout() const {
  clock::duration timeout = service_interval_;
  const auto now = clock::now();
  if (const auto deadline = tracker_.next_deadline()) {
    timeout = std::min(timeout, *deadline - now);
  }
  if (!unsent_.empty()) {
    timeout =
        blocked_ ? std::min(timeout, unsent_.front().deadline - now) : clock::duration::zero();
  }
  return timeout;
}

void publisher::impl::lose_connection(const detail::failure& lost) {
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    connected_.store(false);
    incoming_.swap(queued_);
  }
  for (job& j : incoming_) direct_.push_back({std::move(j.done), publish_status::connection_lost});
  incoming_.clear();
  fail_unsent(publish_status::connection_lost);
  const std::size_t failed = tracker_.pending() + direct_.size();
  tracker_.reset(publish_status::connection_lost);
  spdlog::warn("amqp publisher: connection to {} lost: {}; {} unconfirmed publishes failed",
               nodes_.url_for_logs(), lost.why, failed);
  deliver();
  detail::close_connection(std::move(conn_), k_channel, lost.teardown, k_close_timeout);
}

void publisher::impl::finish() {
  // stop(): publish() refuses already and everything it accepted was sent
  // (unless the broker blocked us). Read confirms for a bounded time.
  detail::step<> up;
  const auto give_up = clock::now() + k_stop_grace;
  while (up && tracker_.pending() > 0) {
    const auto now = clock::now();
    if (now >= give_up) break;
    // Not the eventfd: nothing is published any more, and stop()'s wake-up
    // may still be pending on it.
    detail::wait_for_io(conn_.get(), nullptr,
                        std::min<clock::duration>(give_up - now, milliseconds{100}));
    up = read_frames();
    expire(clock::now());
    deliver();
  }
  const std::size_t left = tracker_.pending() + unsent_.size();
  if (!up) {
    spdlog::warn("amqp publisher: connection to {} lost while stopping: {}", nodes_.url_for_logs(),
                 up.error().why);
  } else if (left > 0) {
    spdlog::warn("amqp publisher: stopping with {} unconfirmed publishes", left);
  }
  fail_unsent(publish_status::connection_lost);
  tracker_.reset(publish_status::connection_lost);
  deliver();
  detail::close_connection(std::move(conn_), k_channel,
                           up ? detail::close_state::open : up.error().teardown, k_close_timeout);
}

// --- public API ---------------------------------------------------------------

publisher::publisher(amqp_settings settings) : impl_(std::make_unique<impl>(std::move(settings))) {}

publisher::~publisher() {
  stop();
}

void publisher::start() {
  impl_->start();
}

void publisher::stop() {
  impl_->stop();
}

void publisher::publish(message&& m, completion done) {
  impl_->publish(std::move(m), std::move(done));
}

void publisher::when_connected(std::function<void()> ready) {
  {
    std::lock_guard lock(impl_->mu_);
    if (impl_->stop_requested_.load()) return;
    if (!impl_->connected_.load()) {
      impl_->when_connected_.push_back(std::move(ready));
      return;
    }
  }
  ready();
}

bool publisher::connected() const noexcept {
  return impl_->connected_.load();
}

publisher_stats publisher::stats() const {
  publisher_stats s;
  for (std::size_t i = 0; i < s.results.size(); ++i)
    s.results[i] = impl_->results_[i].load(std::memory_order_relaxed);
  s.reconnects = impl_->reconnects_.load(std::memory_order_relaxed);
  s.failovers = impl_->nodes_.failovers();
  s.node = impl_->nodes_.connected_node();
  std::lock_guard lock(impl_->mu_);
  s.in_flight = impl_->in_flight_;
  return s;
}

}  // namespace rai::amqp
