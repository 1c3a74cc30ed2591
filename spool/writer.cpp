#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "spool/detail/writer.hpp"
#include "spool/record.hpp"

namespace rai::spool::detail {

spool_writer::spool_writer(spool_state& state, spool_disk_ops ops)
    : state_(state), ops_(std::move(ops)) {}

spool_writer::~spool_writer() {
  stop();
}

void spool_writer::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rai-spool-wr");
    run();
  });
}

void spool_writer::stop() {
  {
    std::lock_guard lock(state_.mu);
    state_.accepting = false;
    state_.stopping = true;
  }
  state_.writer_cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

void spool_writer::append(const amqp::message& m, spool::completion done) {
  std::optional<std::vector<std::byte>> record = encode_spool_record(m);
  if (!record) return run_spool_completion(done, spool_status::too_large, state_.counters);
  const std::uint64_t size = record->size();
  std::optional<spool_status> refused;
  {
    std::lock_guard lock(state_.mu);
    const std::uint64_t used = state_.disk_bytes + state_.writing_bytes + state_.queued_bytes;
    if (!state_.accepting) {
      refused = spool_status::stopped;
    } else if (size > state_.settings.max_bytes || used > state_.settings.max_bytes - size) {
      refused = spool_status::full;
      state_.counters.full.store(true);
    } else if (state_.queued_bytes > 0 &&
               state_.queued_bytes + size > state_.settings.max_queued_bytes) {
      refused = spool_status::overloaded;
    } else {
      state_.queued.push_back(append_job{std::move(*record), std::move(done)});
      state_.queued_bytes += size;
    }
  }
  if (refused) return run_spool_completion(done, *refused, state_.counters);
  state_.writer_cv.notify_one();
}

void spool_writer::run() {
  std::vector<append_job> batch;
  std::vector<spool_status> results;
  for (;;) {
    {
      std::unique_lock lock(state_.mu);
      state_.writer_cv.wait(lock, [&] { return !state_.queued.empty() || state_.stopping; });
      if (state_.queued.empty()) break;  // stopping, and everything accepted is written
      batch.swap(state_.queued);
      state_.writing_bytes += state_.queued_bytes;
      state_.queued_bytes = 0;
      state_.writing = true;
      // The forwarder closes an idle, fully forwarded segment (and may have
      // deleted it already): the next record starts a new one.
      if (fd_ && state_.active != active_id_) must_roll_ = true;
    }
    write_batch(batch, results);
    {
      std::lock_guard lock(state_.mu);
      state_.writing = false;
    }
    state_.counters.batches.fetch_add(1, std::memory_order_relaxed);
    state_.wakeup->poke();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      run_spool_completion(batch[i].done, results[i], state_.counters);
    }
    batch.clear();
  }
  fd_.reset();
}

void spool_writer::write_batch(std::vector<append_job>& batch, std::vector<spool_status>& results) {
  results.assign(batch.size(), spool_status::io_error);
  const std::uint64_t segment_cap = state_.settings.segment_bytes;
  std::size_t first = 0;
  while (first < batch.size()) {
    if (needs_new_segment(batch[first].record.size())) {
      if (auto opened = open_new_segment(); !opened) {
        note_result(opened, "creating a segment");
        std::uint64_t left = 0;
        for (std::size_t k = first; k < batch.size(); ++k) left += batch[k].record.size();
        std::lock_guard lock(state_.mu);
        state_.writing_bytes -= left;
        return;
      }
    }
    // Always at least one record, even one bigger than a segment.
    std::size_t last = first + 1;
    std::uint64_t bytes = batch[first].record.size();
    while (last < batch.size() && active_size_ + bytes + batch[last].record.size() <= segment_cap) {
      bytes += batch[last].record.size();
      ++last;
    }
    const io_result<> written = write_group(batch, first, last);
    {
      std::lock_guard lock(state_.mu);
      state_.writing_bytes -= bytes;
      if (written) {
        if (spool_segment* seg = state_.find_segment(active_id_)) seg->size += bytes;
        state_.disk_bytes += bytes;
      }
    }
    if (written) {
      active_size_ += bytes;
      state_.counters.appended.fetch_add(last - first, std::memory_order_relaxed);
      std::fill(results.begin() + static_cast<std::ptrdiff_t>(first),
                results.begin() + static_cast<std::ptrdiff_t>(last), spool_status::durable);
    }
    note_result(written, "writing a batch");
    first = last;
  }
}

io_result<> spool_writer::write_group(const std::vector<append_job>& batch, std::size_t first,
                                      std::size_t last) {
  iov_.clear();
  for (std::size_t k = first; k < last; ++k) {
    iov_.push_back(iovec{const_cast<std::byte*>(batch[k].record.data()), batch[k].record.size()});
  }
  std::uint64_t offset = active_size_;
  std::size_t next = 0;
  int err = 0;
  while (next < iov_.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(iov_.size() - next, IOV_MAX));
    const ssize_t n = ops_.pwritev(fd_.get(), &iov_[next], count, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    offset += static_cast<std::uint64_t>(n);
    for (auto written = static_cast<std::size_t>(n); written > 0;) {
      iovec& v = iov_[next];
      if (written >= v.iov_len) {
        written -= v.iov_len;
        ++next;
      } else {
        v.iov_base = static_cast<std::byte*>(v.iov_base) + written;
        v.iov_len -= written;
        written = 0;
      }
    }
  }
  if (err != 0) {
    // Cut the partial write off so the segment stays a clean record sequence.
    if (::ftruncate(fd_.get(), static_cast<off_t>(active_size_)) != 0) must_roll_ = true;
    return std::error_code(err, std::generic_category());
  }
  state_.counters.syncs.fetch_add(1, std::memory_order_relaxed);
  int rc;
  do {
    rc = ops_.fdatasync(fd_.get());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    // After a failed fdatasync the kernel may have dropped the dirty pages:
    // nothing more is trusted to this file.
    const std::error_code failed = last_error();
    must_roll_ = true;
    return failed;
  }
  return {};
}

bool spool_writer::needs_new_segment(std::uint64_t record_size) const {
  return !fd_ || must_roll_ ||
         (active_size_ > 0 && active_size_ + record_size > state_.settings.segment_bytes);
}

io_result<> spool_writer::open_new_segment() {
  std::uint64_t id;
  {
    std::lock_guard lock(state_.mu);
    id = state_.next_segment_id++;
  }
  const auto path = segment_path(state_.dir, id);
  unique_fd fd(create_private_file(path, O_WRONLY | O_EXCL));
  if (!fd) return last_error();
  if (auto synced = fsync_dir(state_.dir); !synced) {
    fd.reset();
    ::unlink(path.c_str());
    return synced;
  }
  {
    std::lock_guard lock(state_.mu);
    if (fd_) {
      if (spool_segment* old = state_.find_segment(active_id_)) old->sealed = true;
    }
    state_.segments.push_back(spool_segment{id, 0, /*sealed=*/false, /*recovered=*/false});
    state_.active = id;
  }
  fd_ = std::move(fd);
  active_id_ = id;
  active_size_ = 0;
  must_roll_ = false;
  return {};
}

void spool_writer::note_result(const io_result<>& result, const char* what) {
  if (result) {
    if (failures_in_a_row_ > 0) {
      spdlog::info("spool: writes succeed again after {} failures", failures_in_a_row_);
    }
    failures_in_a_row_ = 0;
    return;
  }
  state_.counters.io_errors.fetch_add(1, std::memory_order_relaxed);
  if (failures_in_a_row_++ == 0) {
    spdlog::error("spool: {} in {} failed: {}; appends fail with io_error until it succeeds", what,
                  state_.dir.string(), result.error().message());
  } else {
    spdlog::debug("spool: {} failed again: {}", what, result.error().message());
  }
}

}  // namespace rai::spool::detail
