#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "spool/detail/forwarder.hpp"

namespace rai::spool::detail {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds k_not_ready_poll{100};  // target not ready: ask again after this
constexpr milliseconds k_idle_poll{1000};      // nothing to do: look again anyway
constexpr const char* k_spooled_header = "x-spooled";

bool has_header(const amqp::message& m, std::string_view name) {
  return std::any_of(m.headers.begin(), m.headers.end(),
                     [&](const auto& h) { return h.first == name; });
}

}  // namespace

spool_forwarder::spool_forwarder(spool_state& state)
    : state_(state), backoff_(state.settings.retry_min, state.settings.retry_max) {}

spool_forwarder::~spool_forwarder() {
  stop();
}

void spool_forwarder::start(spool_target target) {
  stop();
  target_ = std::move(target);
  state_.counters.forwarding.store(true);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rai-spool-fwd");
    run();
  });
}

void spool_forwarder::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  state_.wakeup->poke();
  thread_.join();
  stop_.store(false);
  target_ = {};
  state_.counters.forwarding.store(false);
}

void spool_forwarder::run() {
  // Publishes of an earlier run that are still unsettled are made again; a
  // late completion for them carries the old epoch and is ignored.
  ++epoch_;
  unsent_ = in_flight_ = failed_ = 0;
  for (entry& e : window_) {
    if (e.state == entry_state::done) continue;
    e.state = entry_state::unsent;
    ++unsent_;
  }
  retry_armed_ = false;
  read_retry_at_.reset();
  clock::time_point wake = clock::now();
  while (!stop_.load()) {
    state_.wakeup->wait(wake, results_);
    apply_results();
    retire_done();
    if (stop_.load()) break;
    fill_window();
    close_idle_active_segment();
    delete_finished_segments();
    send();
    wake = next_wake(clock::now());
  }
  drain();
}

void spool_forwarder::drain() {
  const auto give_up = clock::now() + state_.settings.stop_grace;
  for (;;) {
    apply_results();
    retire_done();
    delete_finished_segments();
    if (in_flight_ == 0 || clock::now() >= give_up) break;
    state_.wakeup->wait(give_up, results_);
  }
  if (in_flight_ > 0) {
    spdlog::info("spool: forwarder stopped with {} publishes unconfirmed; they stay spooled",
                 in_flight_);
  }
}

// --- completions --------------------------------------------------------------

void spool_forwarder::apply_results() {
  for (const forward_wakeup::result& r : results_) {
    if (r.epoch != epoch_ || r.seq < first_seq_ || r.seq - first_seq_ >= window_.size()) continue;
    entry& e = window_[static_cast<std::size_t>(r.seq - first_seq_)];
    if (e.state != entry_state::in_flight) continue;
    --in_flight_;
    settle(e, r.status);
  }
  results_.clear();
}

void spool_forwarder::settle(entry& e, amqp::publish_status status) {
  switch (status) {
    case amqp::publish_status::confirmed:
      state_.counters.forwarded.fetch_add(1, std::memory_order_relaxed);
      if (failure_streak_ > 0) {
        spdlog::info("spool: forwarding resumed after {} failed publishes", failure_streak_);
        failure_streak_ = 0;
      }
      backoff_.reset();
      finish(e);
      return;
    case amqp::publish_status::returned:
      // No route: retrying cannot help and would hold the spool back forever.
      state_.counters.returned.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("spool: record '{}' to exchange '{}' key '{}' was returned (no route); dropped",
                   e.msg.message_id, e.msg.exchange, e.msg.routing_key);
      finish(e);
      return;
    default:
      break;
  }
  e.state = entry_state::failed;
  ++failed_;
  if (retry_armed_) return;  // one backoff step per round of failures
  const milliseconds delay = backoff_.next();
  retry_at_ = clock::now() + delay;
  retry_armed_ = true;
  if (failure_streak_++ == 0) {
    spdlog::warn("spool: forwarding '{}' failed ({}); retrying in {} ms", e.msg.message_id,
                 to_string(status), delay.count());
  } else {
    spdlog::debug("spool: forwarding failed again ({}); retrying in {} ms", to_string(status),
                  delay.count());
  }
}

void spool_forwarder::finish(entry& e) {
  e.state = entry_state::done;
  window_bytes_ -= e.bytes;
  e.msg = amqp::message{};
  auto it = progress_.find(e.segment);
  if (it != progress_.end() && it->second.outstanding > 0) --it->second.outstanding;
}

void spool_forwarder::retire_done() {
  while (!window_.empty() && window_.front().state == entry_state::done) {
    window_.pop_front();
    ++first_seq_;
  }
}

// --- reading --------------------------------------------------------------------

void spool_forwarder::fill_window() {
  const std::size_t max_records = std::max<std::size_t>(state_.settings.forward_window, 1);
  while (window_.size() < max_records && window_bytes_ < state_.settings.forward_window_bytes) {
    if (next_ref_ >= chunk_.scan.records.size()) {
      if (!read_more()) return;
      continue;
    }
    const spool_record_ref ref = chunk_.scan.records[next_ref_++];
    std::optional<amqp::message> m = decode_spool_record(chunk_.record(ref));
    if (!m) continue;  // parse_spool_records checked it; cannot happen
    if (state_.settings.mark_forwarded && !has_header(*m, k_spooled_header)) {
      m->headers.emplace_back(k_spooled_header, "true");
    }
    window_.push_back(entry{*reading_, std::move(*m), ref.size, entry_state::unsent});
    window_bytes_ += ref.size;
    ++unsent_;
    ++progress_[*reading_].outstanding;
  }
}

// Loads the next chunk, or moves to the next segment; false when there is
// nothing more to read for now.
bool spool_forwarder::read_more() {
  if (read_retry_at_) {
    if (clock::now() < *read_retry_at_) return false;
    read_retry_at_.reset();
  }
  if (!reading_) {
    if (!enter_next_segment()) return false;
    if (!reading_) return true;  // skipped a vanished segment
  }

  std::uint64_t limit = 0;
  bool sealed = true;
  {
    std::lock_guard lock(state_.mu);
    if (const spool_segment* seg = state_.find_segment(*reading_)) {
      limit = seg->size;
      sealed = seg->sealed;
    }
  }
  if (read_offset_ >= limit) {
    if (!sealed) return false;  // caught up with the writer
    leave_segment();
    return true;
  }
  chunk_.scan.records.clear();
  next_ref_ = 0;
  if (auto read = read_segment_chunk(read_fd_.get(), read_offset_, limit, chunk_); !read) {
    state_.counters.io_errors.fetch_add(1, std::memory_order_relaxed);
    const milliseconds delay = backoff_.next();
    spdlog::error("spool: reading {} at offset {} failed: {}; retrying in {} ms",
                  segment_file_name(*reading_), read_offset_, read.error().message(),
                  delay.count());
    chunk_ = segment_chunk{};
    read_retry_at_ = clock::now() + delay;
    return false;
  }
  report_damage(*reading_);
  // At the limit, bytes after the last whole record are a torn tail: skipped.
  read_offset_ = chunk_.offset + (chunk_.at_limit ? chunk_.buf.size() : chunk_.consumed);
  return true;
}

bool spool_forwarder::enter_next_segment() {
  std::optional<std::uint64_t> next;
  {
    std::lock_guard lock(state_.mu);
    for (const spool_segment& s : state_.segments) {
      if (!last_read_ || s.id > *last_read_) {
        next = s.id;
        reading_recovered_ = s.recovered;
        break;
      }
    }
  }
  if (!next) return false;
  const auto path = segment_path(state_.dir, *next);
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    state_.counters.io_errors.fetch_add(1, std::memory_order_relaxed);
    if (err == ENOENT) {
      // Removed behind our back: its records are gone.
      spdlog::error("spool: {} disappeared; skipping it", path.string());
      std::lock_guard lock(state_.mu);
      for (auto it = state_.segments.begin(); it != state_.segments.end(); ++it) {
        if (it->id != *next) continue;
        state_.disk_bytes -= it->size;
        if (state_.active == it->id) state_.active.reset();
        state_.segments.erase(it);
        break;
      }
      last_read_ = next;
      return true;  // a caller loop comes back for the following one
    }
    const milliseconds delay = backoff_.next();
    spdlog::error("spool: cannot open {}: {}; retrying in {} ms", path.string(), std::strerror(err),
                  delay.count());
    read_retry_at_ = clock::now() + delay;
    return false;
  }
  reading_ = next;
  read_fd_ = std::move(fd);
  read_offset_ = 0;
  chunk_ = segment_chunk{};
  next_ref_ = 0;
  progress_.try_emplace(*next);
  return true;
}

void spool_forwarder::leave_segment() {
  progress_[*reading_].fully_read = true;
  last_read_ = reading_;
  reading_.reset();
  read_fd_.reset();
  chunk_ = segment_chunk{};
  next_ref_ = 0;
}

void spool_forwarder::report_damage(std::uint64_t segment) {
  // open() already reported the damage of the segments it recovered.
  if (reading_recovered_) return;
  const std::size_t tail = chunk_.at_limit ? chunk_.buf.size() - chunk_.consumed : 0;
  for (const spool_damage& d : chunk_.scan.damage) {
    state_.counters.corrupt_skipped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("spool: {}: skipping {} damaged bytes at offset {} ({})",
                 segment_file_name(segment), d.size, chunk_.offset + d.offset, to_string(d.kind));
  }
  if (tail > 0) {
    state_.counters.corrupt_skipped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("spool: {}: skipping {} bytes of an incomplete record at offset {}",
                 segment_file_name(segment), tail, chunk_.offset + chunk_.consumed);
  }
}

// --- segments ---------------------------------------------------------------------

void spool_forwarder::close_idle_active_segment() {
  if (!reading_ || next_ref_ < chunk_.scan.records.size()) return;
  const auto progress = progress_.find(*reading_);
  if (progress != progress_.end() && progress->second.outstanding > 0) return;
  {
    std::lock_guard lock(state_.mu);
    if (state_.active != *reading_ || state_.writing || !state_.queued.empty()) return;
    spool_segment* seg = state_.find_segment(*reading_);
    if (seg == nullptr || seg->size != read_offset_) return;
    // The writer checks `active` when it takes its next batch and starts a
    // new segment.
    seg->sealed = true;
    state_.active.reset();
  }
  leave_segment();
}

void spool_forwarder::delete_finished_segments() {
  for (auto it = progress_.begin(); it != progress_.end();) {
    if (!it->second.fully_read || it->second.outstanding > 0) {
      ++it;
      continue;
    }
    const std::uint64_t id = it->first;
    it = progress_.erase(it);
    const auto path = segment_path(state_.dir, id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      // Left in place (and counted against max_bytes); forwarded again after a restart.
      state_.counters.io_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("spool: cannot delete forwarded segment {}: {}", path.string(),
                    std::strerror(errno));
      continue;
    }
    std::lock_guard lock(state_.mu);
    for (auto s = state_.segments.begin(); s != state_.segments.end(); ++s) {
      if (s->id != id) continue;
      state_.disk_bytes -= s->size;
      state_.segments.erase(s);
      break;
    }
    state_.counters.full.store(false);
  }
}

// --- publishing -----------------------------------------------------------------------

void spool_forwarder::send() {
  if (unsent_ == 0 && failed_ == 0) return;
  target_ready_ = !target_.ready || target_.ready();
  if (!target_ready_) return;
  if (failed_ > 0) {
    // Republish in file order only once nothing is outstanding.
    if (in_flight_ > 0 || clock::now() < retry_at_) return;
    retry_armed_ = false;
  }
  for (std::size_t i = 0; i < window_.size() && !stop_.load(); ++i) {
    entry& e = window_[i];
    if (e.state == entry_state::unsent) {
      --unsent_;
    } else if (e.state == entry_state::failed) {
      --failed_;
    } else {
      continue;
    }
    e.state = entry_state::in_flight;
    ++in_flight_;
    amqp::message copy = e.msg;
    target_.publish(std::move(copy), [wakeup = state_.wakeup, epoch = epoch_,
                                      seq = first_seq_ + i](amqp::publish_status s) {
      wakeup->push({epoch, seq, s});
    });
  }
}

spool_forwarder::clock::time_point spool_forwarder::next_wake(clock::time_point now) const {
  clock::time_point wake = now + k_idle_poll;
  if ((unsent_ > 0 || failed_ > 0) && !target_ready_) wake = std::min(wake, now + k_not_ready_poll);
  if (failed_ > 0 && in_flight_ == 0) wake = std::min(wake, retry_at_);
  if (read_retry_at_) wake = std::min(wake, *read_retry_at_);
  return wake;
}

}  // namespace rai::spool::detail
