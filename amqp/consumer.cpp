// rai::amqp::consumer — design
//
// Threads. One consumer thread owns its rabbitmq-c connection and channel 1;
// no other thread calls amqp_*. ack() and reject() may be called from any
// thread: under a mutex they append a settle request to `settles_` and, when
// that vector goes from empty to non-empty, write the eventfd that wakes the
// thread. A settle is dropped on the caller's thread when it names a
// generation other than the one being served (or nothing is being served).
//
// Connect. To the ring's current node (a random one first), open_connection
// (login with heartbeat and connection_name,
// channel.open), declare the §6 topology, declare the retry ladder (§7),
// basic.qos(prefetch), basic.consume with manual acks. The generation then
// counts up by one; every delivery carries it, so a settle can be matched to
// the connection that delivered it: delivery tags restart at 1 on a new
// channel, and a tag of a dead connection means nothing on the next one.
//
// Loop. Each turn the thread clears the eventfd, swaps out the queued
// settles and executes them (basic.ack / basic.reject; a tag not in
// `unsettled_` — a second settle — is dropped instead, as the broker would
// close the channel for an unknown tag), then reads frames with
// amqp_simple_wait_frame_noblock and a zero timeout until none is left.
// basic.deliver is followed by the content, read with amqp_read_message;
// the delivery is converted, its tag recorded in `unsettled_`, and the
// handler called. Then it sleeps in poll() on the socket and the eventfd,
// for at most half the heartbeat (at most 1 s): rabbitmq-c sends and checks
// heartbeats inside the frame read.
//
// Loss. channel.close, connection.close, basic.cancel from the broker (the
// queue was deleted), a socket error or a missed heartbeat: the generation
// ends, queued settles are dropped, the connection is torn down (answering
// the broker's close) and the thread reconnects, to the next node of
// amqp.urls (node_ring), with jittered exponential backoff. The broker
// requeues every unsettled delivery of the dead channel.
//
// Stop. basic.cancel (asynchronously; the cancel-ok is read as a frame), then
// the loop runs on, executing settles, until no delivery is unsettled or
// drain_timeout passes. Deliveries that arrive after the cancel are rejected
// with requeue and never reach the handler. Then channel and connection
// close, and the broker requeues whatever is still unsettled.

#include "amqp/consumer.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <pthread.h>
#include <sys/time.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "amqp/detail/amqp.hpp"
#include "amqp/detail/loop.hpp"
#include "amqp/detail/table_text.hpp"
#include "amqp/detail/topology.hpp"
#include "amqp/node_ring.hpp"
#include "amqp/retry_ladder.hpp"

namespace rai::amqp {

namespace {

using clock = detail::loop_clock;
using std::chrono::milliseconds;

constexpr amqp_channel_t k_channel = 1;
constexpr milliseconds k_close_timeout{1000};  // each close RPC
constexpr int k_max_frames_per_read = 4096;    // then give settles a turn

struct settle_request {
  std::uint64_t generation;
  std::uint64_t tag;
  bool ack;
  bool requeue;
};

delivery to_delivery(std::uint64_t generation, std::uint64_t tag, bool redelivered,
                     amqp_message_t& msg) {
  delivery d;
  d.tag = tag;
  d.generation = generation;
  d.redelivered = redelivered;
  d.body = detail::view_of(msg.body);
  const amqp_basic_properties_t& p = msg.properties;
  if ((p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0) d.message_id = detail::view_of(p.message_id);
  if ((p._flags & AMQP_BASIC_TYPE_FLAG) != 0) d.type = detail::view_of(p.type);
  if ((p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) != 0) {
    d.content_type = detail::view_of(p.content_type);
  }
  if ((p._flags & AMQP_BASIC_TIMESTAMP_FLAG) != 0) {
    d.timestamp = static_cast<std::int64_t>(
        std::min<std::uint64_t>(p.timestamp, std::numeric_limits<std::int64_t>::max()));
  }
  if ((p._flags & AMQP_BASIC_HEADERS_FLAG) != 0) d.headers = detail::table_text(p.headers);
  return d;
}

void validate(const consumer_settings& s) {
  if (auto problem = check_retry_rungs(s.retry_rungs)) {
    throw std::invalid_argument("consumer: " + *problem);
  }
}

}  // namespace

struct consumer::impl {
  impl(amqp_settings amqp, consumer_settings settings, handler on_delivery);

  void start();
  void request_stop() noexcept;
  void stop();
  void settle(std::uint64_t generation, std::uint64_t tag, bool ack, bool requeue);

  const amqp_settings amqp_;
  const consumer_settings settings_;
  const handler handler_;
  const std::string connection_name_;
  node_ring nodes_;          // the consumer thread's; stats() reads its atomics
  detail::wake_event wake_;  // settles and stop -> consumer thread

  std::mutex lifecycle_mu_;  // start() / stop()
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};  // the consumer thread, for stop() from the handler
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> connected_{false};

  std::mutex mu_;                         // guards the three below
  std::vector<settle_request> settles_;   // for `serving_generation_`
  std::uint64_t serving_generation_ = 0;  // 0: nothing is served, settles are dropped

  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> acked_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> dropped_settles_{0};
  std::atomic<std::uint64_t> reconnects_{0};

  // --- consumer thread only -------------------------------------------------
  void run();
  result<> connect(const std::string& url);
  std::string serve();  // why the connection ended; "" when stopping
  detail::step<> execute_settles();
  detail::step<> send_cancel();
  detail::step<> read_frames();
  detail::step<> handle_frame(const amqp_frame_t& frame);
  detail::step<> handle_deliver(const amqp_frame_t& frame);
  detail::step<> reject_now(std::uint64_t tag, bool requeue);
  void end_generation();
  void close(detail::close_state state);

  detail::connection_ptr conn_;
  std::uint64_t generation_ = 0;  // last one handed out; survives restarts
  std::string consumer_tag_;
  std::unordered_set<std::uint64_t> unsettled_;  // handed to the handler, not yet settled
  std::vector<settle_request> incoming_;
  clock::duration service_interval_ = milliseconds{1000};
  bool cancelling_ = false;  // basic.cancel sent (stopping)
  bool ever_connected_ = false;
};

consumer::impl::impl(amqp_settings amqp, consumer_settings settings, handler on_delivery)
    : amqp_(std::move(amqp)),
      settings_(std::move(settings)),
      handler_(std::move(on_delivery)),
      connection_name_(settings_.connection_name.empty() ? amqp_.connection_name + "-consumer"
                                                         : settings_.connection_name),
      nodes_(amqp_.urls) {
  validate(settings_);
  if (!handler_) throw std::invalid_argument("consumer: no handler");
}

void consumer::impl::start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (thread_.joinable()) return;
  stop_requested_.store(false);
  wake_.drain();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rai-amqp-con");
    thread_id_.store(std::this_thread::get_id());
    run();
    thread_id_.store(std::thread::id{});  // ids are reused once joined
  });
}

void consumer::impl::request_stop() noexcept {
  stop_requested_.store(true);
  connected_.store(false);
  wake_.signal();
}

void consumer::impl::stop() {
  request_stop();
  if (std::this_thread::get_id() == thread_id_.load()) return;  // from the handler
  std::lock_guard lifecycle(lifecycle_mu_);
  if (thread_.joinable()) thread_.join();
}

void consumer::impl::settle(std::uint64_t generation, std::uint64_t tag, bool ack, bool requeue) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (generation == 0 || generation != serving_generation_) {
      dropped_settles_.fetch_add(1);
      return;
    }
    settles_.push_back({generation, tag, ack, requeue});
    wake = settles_.size() == 1;
  }
  if (wake) wake_.signal();
}

// --- consumer thread ------------------------------------------------------------

void consumer::impl::run() {
  detail::run_reconnecting(
      "consumer", nodes_, wake_, stop_requested_, amqp_.reconnect_min, amqp_.reconnect_max,
      [this](const std::string& url) { return connect(url); },
      [this] {
        spdlog::info(
            "amqp consumer: connected to {}, consuming '{}' as '{}' (prefetch {}, generation {})",
            nodes_.describe(), settings_.queue, connection_name_,
            std::max<unsigned>(settings_.prefetch, 1), generation_);
        return serve();
      });
}

result<> consumer::impl::connect(const std::string& url) {
  detail::connect_params params;
  params.url = url;
  params.tls = amqp_.tls;
  params.heartbeat = amqp_.heartbeat;
  params.timeout = amqp_.connect_timeout;
  params.connection_name = connection_name_;
  auto opened = detail::open_connection(params, k_channel);
  if (!opened) return opened.error();
  conn_ = std::move(*opened);

  amqp_connection_state_t c = conn_.get();
  result<> ready =
      detail::declare_topology(c, k_channel, amqp_.queues, amqp_.events_exchange, amqp_.history);
  if (ready) {
    ready = detail::declare_retry_ladder(c, k_channel, amqp_.queues, settings_.retry_rungs);
  }
  if (ready) {
    const auto prefetch = std::max<std::uint16_t>(settings_.prefetch, 1);
    amqp_basic_qos(c, k_channel, /*prefetch_size=*/0, prefetch, /*global=*/0);
    ready = detail::check_rpc(c, "basic.qos");
  }
  if (ready) {
    const amqp_basic_consume_ok_t* consume_ok =
        amqp_basic_consume(c, k_channel, detail::bytes_of(settings_.queue), amqp_empty_bytes,
                           /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
    ready = detail::check_rpc(c, "basic.consume '" + settings_.queue + "'");
    if (ready && consume_ok == nullptr) ready = error{"basic.consume: no consume-ok"};
    if (ready) consumer_tag_ = detail::view_of(consume_ok->consumer_tag);
  }
  if (!ready) {
    const detail::close_state state = detail::close_state_after(amqp_get_rpc_reply(c));
    detail::close_connection(std::move(conn_), k_channel, state, k_close_timeout);
    return ready;
  }
  service_interval_ = detail::service_interval(c);
  cancelling_ = false;
  unsettled_.clear();
  if (ever_connected_) reconnects_.fetch_add(1);
  ever_connected_ = true;
  {
    std::lock_guard lock(mu_);
    ++generation_;
    serving_generation_ = generation_;
  }
  if (!stop_requested_.load()) connected_.store(true);
  return {};
}

std::string consumer::impl::serve() {
  clock::time_point drain_deadline{};
  for (;;) {
    // Clear the eventfd before taking the settles: one that lands after the
    // swap writes it again, so no wake-up is lost.
    wake_.drain();
    detail::step<> up = execute_settles();
    if (up && !cancelling_ && stop_requested_.load()) {
      up = send_cancel();
      drain_deadline = clock::now() + settings_.drain_timeout;
    }
    if (up) up = read_frames();
    if (!up) {
      spdlog::warn(
          "amqp consumer: connection to {} lost: {}; the broker redelivers {} unsettled "
          "deliveries",
          nodes_.url_for_logs(), up.error().why, unsettled_.size());
      end_generation();
      close(up.error().teardown);
      return "connection lost: " + up.error().why;
    }
    clock::duration timeout = service_interval_;
    if (cancelling_) {
      const auto now = clock::now();
      if (unsettled_.empty() || now >= drain_deadline) {
        if (!unsettled_.empty()) {
          spdlog::warn(
              "amqp consumer: stopping with {} unsettled deliveries; the broker requeues them",
              unsettled_.size());
        }
        end_generation();
        close(detail::close_state::open);
        return {};
      }
      timeout = std::min(timeout, drain_deadline - now);
    }
    detail::wait_for_io(conn_.get(), &wake_, timeout);
  }
}

detail::step<> consumer::impl::execute_settles() {
  {
    std::lock_guard lock(mu_);
    incoming_.swap(settles_);
  }
  detail::step<> up;
  for (const settle_request& s : incoming_) {
    if (!up || s.generation != generation_ || unsettled_.erase(s.tag) == 0) {
      if (up && s.generation == generation_) {
        spdlog::warn("amqp consumer: settle of delivery {} (generation {}) that is not outstanding",
                     s.tag, s.generation);
      }
      dropped_settles_.fetch_add(1);
      continue;
    }
    const int rc = s.ack ? amqp_basic_ack(conn_.get(), k_channel, s.tag, /*multiple=*/0)
                         : amqp_basic_reject(conn_.get(), k_channel, s.tag, s.requeue ? 1 : 0);
    if (rc != AMQP_STATUS_OK) {
      up = detail::socket_failure(s.ack ? "basic.ack" : "basic.reject", rc);
      dropped_settles_.fetch_add(1);  // the broker requeues it with the channel
      continue;
    }
    (s.ack ? acked_ : rejected_).fetch_add(1);
  }
  incoming_.clear();
  return up;
}

detail::step<> consumer::impl::send_cancel() {
  cancelling_ = true;
  amqp_basic_cancel_t cancel{};
  cancel.consumer_tag = detail::bytes_of(consumer_tag_);
  cancel.nowait = 0;
  if (const int rc = amqp_send_method(conn_.get(), k_channel, AMQP_BASIC_CANCEL_METHOD, &cancel);
      rc != AMQP_STATUS_OK) {
    return detail::socket_failure("basic.cancel", rc);
  }
  spdlog::info("amqp consumer: stopping; waiting up to {} ms for {} unsettled deliveries",
               settings_.drain_timeout.count(), unsettled_.size());
  return {};
}

detail::step<> consumer::impl::read_frames() {
  return detail::read_available_frames(conn_.get(), k_max_frames_per_read,
                                       [this](const amqp_frame_t& f) { return handle_frame(f); });
}

detail::step<> consumer::impl::handle_frame(const amqp_frame_t& frame) {
  if (frame.frame_type != AMQP_FRAME_METHOD) return {};  // stray content: not ours
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_DELIVER_METHOD:
      return handle_deliver(frame);
    case AMQP_BASIC_CANCEL_OK_METHOD:  // after stop()'s basic.cancel
      return {};
    case AMQP_BASIC_CANCEL_METHOD:
      // consumer_cancel_notify: the queue was deleted (or its node went away).
      // Reconnecting declares it again.
      return detail::failure{detail::close_state::open,
                             "the broker cancelled the consumer of '" + settings_.queue + "'"};
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      return detail::closed_by_broker(method);
    default:  // connection.blocked only holds back publishes; acks still flow
      return {};
  }
}

detail::step<> consumer::impl::handle_deliver(const amqp_frame_t& frame) {
  // Copy out of the frame pool before reading the content frames.
  const auto* deliver = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded);
  const std::uint64_t tag = deliver->delivery_tag;
  const bool redelivered = deliver->redelivered != 0;

  amqp_message_t msg;
  const amqp_rpc_reply_t reply = amqp_read_message(conn_.get(), frame.channel, &msg, 0);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    return detail::failed_read("reading a delivery", reply);
  }
  if (cancelling_) {
    // Sent before the broker saw our basic.cancel: give it back at once.
    amqp_destroy_message(&msg);
    return reject_now(tag, /*requeue=*/true);
  }
  delivery d = to_delivery(generation_, tag, redelivered, msg);
  amqp_destroy_message(&msg);

  unsettled_.insert(tag);
  delivered_.fetch_add(1);
  try {
    handler_(std::move(d));
    return {};
  } catch (const std::exception& e) {
    spdlog::error("amqp consumer: the handler threw: {}; delivery {} requeued", e.what(), tag);
  } catch (...) {
    spdlog::error("amqp consumer: the handler threw; delivery {} requeued", tag);
  }
  unsettled_.erase(tag);
  return reject_now(tag, /*requeue=*/true);
}

detail::step<> consumer::impl::reject_now(std::uint64_t tag, bool requeue) {
  if (const int rc = amqp_basic_reject(conn_.get(), k_channel, tag, requeue ? 1 : 0);
      rc != AMQP_STATUS_OK) {
    return detail::socket_failure("basic.reject", rc);
  }
  rejected_.fetch_add(1);
  return {};
}

void consumer::impl::end_generation() {
  connected_.store(false);
  {
    std::lock_guard lock(mu_);
    serving_generation_ = 0;
    dropped_settles_.fetch_add(settles_.size());
    settles_.clear();
  }
  unsettled_.clear();
}

void consumer::impl::close(detail::close_state state) {
  detail::close_connection(std::move(conn_), k_channel, state, k_close_timeout);
}

// --- public API -------------------------------------------------------------------

consumer::consumer(amqp_settings amqp, consumer_settings settings, handler on_delivery)
    : impl_(std::make_unique<impl>(std::move(amqp), std::move(settings), std::move(on_delivery))) {}

consumer::~consumer() {
  stop();
}

void consumer::start() {
  impl_->start();
}

void consumer::request_stop() noexcept {
  impl_->request_stop();
}

void consumer::stop() {
  impl_->stop();
}

void consumer::ack(std::uint64_t generation, std::uint64_t tag) {
  impl_->settle(generation, tag, /*ack=*/true, /*requeue=*/false);
}

void consumer::reject(std::uint64_t generation, std::uint64_t tag, bool requeue) {
  impl_->settle(generation, tag, /*ack=*/false, requeue);
}

bool consumer::connected() const noexcept {
  return impl_->connected_.load();
}

consumer_stats consumer::stats() const noexcept {
  consumer_stats s;
  s.delivered = impl_->delivered_.load();
  s.acked = impl_->acked_.load();
  s.rejected = impl_->rejected_.load();
  s.dropped_settles = impl_->dropped_settles_.load();
  s.reconnects = impl_->reconnects_.load();
  s.failovers = impl_->nodes_.failovers();
  s.node = impl_->nodes_.connected_node();
  return s;
}

}  // namespace rai::amqp
