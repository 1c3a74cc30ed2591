#pragma once

// Internal: what the spool's writer thread, forwarder thread and public
// methods share. One mutex guards the segment list and the append queue;
// counters are atomics so stats() stays cheap.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "amqp/message.hpp"
#include "spool/settings.hpp"
#include "spool/spool.hpp"

namespace rai::spool::detail {

struct spool_segment {
  std::uint64_t id = 0;
  std::uint64_t size = 0;  // bytes of whole, synced records (the forwarder reads up to here)
  bool sealed = false;     // never written again: deletable once forwarded
  bool recovered = false;  // found by open(), which already reported its damage
};

struct append_job {
  std::vector<std::byte> record;
  spool::completion done;
};

// Wakes the forwarder thread: the writer after each batch, stop, and the
// publish completions, which may outlive the spool (so this is shared).
class forward_wakeup {
 public:
  struct result {
    std::uint64_t epoch;  // forwarder run that published
    std::uint64_t seq;    // the record's place in the forwarder's window
    amqp::publish_status status;
  };
  using clock = std::chrono::steady_clock;

  void poke();
  void push(const result& r);
  // Waits until poked, a result arrives or `until`; clears the poke and
  // moves the results into `out`.
  void wait(clock::time_point until, std::vector<result>& out);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<result> results_;
  bool poked_ = false;
};

struct spool_counters {
  std::atomic<std::uint64_t> recovered{0};
  std::atomic<std::uint64_t> appended{0};
  std::atomic<std::uint64_t> forwarded{0};
  std::atomic<std::uint64_t> returned{0};
  std::atomic<std::uint64_t> corrupt_skipped{0};
  std::atomic<std::uint64_t> truncated_bytes{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> syncs{0};
  std::atomic<std::uint64_t> io_errors{0};
  std::array<std::atomic<std::uint64_t>, spool_status_count> results{};
  std::atomic<bool> full{false};
  std::atomic<bool> forwarding{false};
};

struct spool_state {
  explicit spool_state(spool_settings s) : settings(std::move(s)), dir(settings.dir) {}

  const spool_settings settings;
  const std::filesystem::path dir;
  spool_counters counters;
  const std::shared_ptr<forward_wakeup> wakeup = std::make_shared<forward_wakeup>();

  std::mutex mu;  // guards everything below
  std::condition_variable writer_cv;
  std::deque<spool_segment> segments;   // ascending id
  std::optional<std::uint64_t> active;  // the segment the writer appends to
  std::uint64_t next_segment_id = 1;
  std::vector<append_job> queued;  // accepted, not yet taken by the writer
  std::uint64_t queued_bytes = 0;
  std::uint64_t writing_bytes = 0;  // taken by the writer, not yet on disk
  std::uint64_t disk_bytes = 0;     // sum of segments' sizes
  bool writing = false;             // the writer holds a batch
  bool accepting = false;           // open and not stopping
  bool stopping = false;

  spool_segment* find_segment(std::uint64_t id) {
    for (spool_segment& s : segments)
      if (s.id == id) return &s;
    return nullptr;
  }
};

// Runs a completion, counting its status; a throwing completion is logged.
void run_spool_completion(const spool::completion& done, spool_status status,
                          spool_counters& counters) noexcept;

}  // namespace rai::spool::detail
