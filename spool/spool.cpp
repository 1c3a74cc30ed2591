#include "spool/spool.hpp"

#include <mutex>
#include <utility>

#include "spool/detail/disk.hpp"
#include "spool/detail/files.hpp"
#include "spool/detail/forwarder.hpp"
#include "spool/detail/recovery.hpp"
#include "spool/detail/state.hpp"
#include "spool/detail/writer.hpp"

namespace rai::spool {

namespace {

// The metric label of each status; nullptr past the last one. -Wswitch
// (an error here) makes every enumerator need a case.
constexpr const char* label(spool_status s) noexcept {
  switch (s) {
    case spool_status::durable:
      return "durable";
    case spool_status::full:
      return "full";
    case spool_status::overloaded:
      return "overloaded";
    case spool_status::too_large:
      return "too_large";
    case spool_status::io_error:
      return "io_error";
    case spool_status::stopped:
      return "stopped";
  }
  return nullptr;
}

// spool_stats::results has spool_status_count counters, labelled by
// to_string: every index below the count has a label, and none past it (an
// enumerator added without raising the count).
constexpr bool labels_fit_count() {
  for (std::size_t i = 0; i < spool_status_count; ++i) {
    if (label(static_cast<spool_status>(i)) == nullptr) return false;
  }
  return label(static_cast<spool_status>(spool_status_count)) == nullptr;
}
static_assert(labels_fit_count(), "spool_status_count must count the labelled spool_status");

}  // namespace

const char* to_string(spool_status s) noexcept {
  const char* l = label(s);
  return l != nullptr ? l : "unknown";
}

spool_target forward_to(amqp::message_publisher& p) {
  return spool_target{[&p](amqp::message&& m, amqp::message_publisher::completion done) {
                        p.publish(std::move(m), std::move(done));
                      },
                      [&p] { return p.connected(); }};
}

// Members are destroyed in reverse: the forwarder and writer threads are
// joined before the state they share goes away.
struct spool::impl {
  impl(spool_settings settings, detail::spool_disk_ops ops)
      : state(std::move(settings)), writer(state, std::move(ops)), forwarder(state) {}

  std::mutex lifecycle_mu;
  detail::spool_state state;
  detail::unique_fd dir_lock;
  detail::spool_writer writer;
  detail::spool_forwarder forwarder;
  bool opened = false;
  bool stopped = false;
};

spool::spool(spool_settings settings)
    : impl_(std::make_unique<impl>(std::move(settings), detail::spool_disk_ops{})) {}

spool::spool(spool_settings settings, const detail::spool_disk_ops& ops)
    : impl_(std::make_unique<impl>(std::move(settings), ops)) {}

spool::~spool() {
  stop();
}

void spool::open() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (impl_->opened || impl_->stopped) return;
  detail::spool_state& s = impl_->state;
  impl_->dir_lock = detail::lock_spool_dir(s.dir);
  detail::recovered_spool found = detail::recover_spool(s.dir);
  s.counters.recovered.store(found.records);
  s.counters.corrupt_skipped.fetch_add(found.damaged);
  s.counters.truncated_bytes.store(found.truncated_bytes);
  s.counters.io_errors.fetch_add(found.io_errors);
  {
    std::lock_guard lock(s.mu);
    s.segments = std::move(found.segments);
    s.disk_bytes = found.bytes;
    s.next_segment_id = found.next_segment_id;
    s.accepting = true;
  }
  impl_->opened = true;
  impl_->writer.start();
}

void spool::append(const amqp::message& m, completion done) {
  impl_->writer.append(m, std::move(done));
}

void spool::start_forwarding(spool_target target) {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (!impl_->opened || impl_->stopped) return;
  impl_->forwarder.start(std::move(target));
}

void spool::stop_forwarding() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  impl_->forwarder.stop();
}

void spool::stop() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  impl_->stopped = true;
  impl_->forwarder.stop();
  impl_->writer.stop();
  impl_->dir_lock.reset();
}

spool_stats spool::stats() const {
  const detail::spool_state& s = impl_->state;
  const detail::spool_counters& c = s.counters;
  spool_stats out;
  out.max_bytes = s.settings.max_bytes;
  out.recovered = c.recovered.load(std::memory_order_relaxed);
  out.appended = c.appended.load(std::memory_order_relaxed);
  out.forwarded = c.forwarded.load(std::memory_order_relaxed);
  out.returned = c.returned.load(std::memory_order_relaxed);
  out.corrupt_skipped = c.corrupt_skipped.load(std::memory_order_relaxed);
  out.truncated_bytes = c.truncated_bytes.load(std::memory_order_relaxed);
  out.batches = c.batches.load(std::memory_order_relaxed);
  out.syncs = c.syncs.load(std::memory_order_relaxed);
  out.io_errors = c.io_errors.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < out.results.size(); ++i)
    out.results[i] = c.results[i].load(std::memory_order_relaxed);
  out.full = c.full.load(std::memory_order_relaxed);
  out.forwarding = c.forwarding.load(std::memory_order_relaxed);
  const std::uint64_t whole = out.recovered + out.appended;
  const std::uint64_t done = out.forwarded + out.returned;
  out.records_pending = whole > done ? whole - done : 0;
  std::lock_guard lock(impl_->state.mu);
  out.bytes_on_disk = s.disk_bytes;
  out.bytes_queued = s.queued_bytes + s.writing_bytes;
  out.segments = s.segments.size();
  return out;
}

}  // namespace rai::spool
