#pragma once

// Internal: the spool's forwarder thread. See spool/spool.hpp for the
// behaviour. Its window and read position outlive a stop, so a restart
// resumes where the previous run left off.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "amqp/backoff.hpp"
#include "spool/detail/files.hpp"
#include "spool/detail/scanner.hpp"
#include "spool/detail/state.hpp"

namespace rai::spool::detail {

class spool_forwarder {
 public:
  explicit spool_forwarder(spool_state& state);
  ~spool_forwarder();
  spool_forwarder(const spool_forwarder&) = delete;
  spool_forwarder& operator=(const spool_forwarder&) = delete;

  void start(spool_target target);  // stops a running forwarder first
  void stop();                      // idempotent

 private:
  using clock = std::chrono::steady_clock;
  enum class entry_state { unsent, in_flight, failed, done };
  struct entry {
    std::uint64_t segment = 0;
    amqp::message msg;
    std::uint64_t bytes = 0;  // record size, for forward_window_bytes
    entry_state state = entry_state::unsent;
  };
  struct segment_progress {
    std::uint64_t outstanding = 0;  // records read and not done
    bool fully_read = false;        // sealed and read to its end
  };

  void run();
  void drain();
  void apply_results();
  void settle(entry& e, amqp::publish_status status);
  void finish(entry& e);
  void retire_done();
  void fill_window();
  bool read_more();
  bool enter_next_segment();
  void leave_segment();
  void report_damage(std::uint64_t segment);
  void close_idle_active_segment();
  void delete_finished_segments();
  void send();
  clock::time_point next_wake(clock::time_point now) const;

  spool_state& state_;
  spool_target target_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  // --- forwarder thread only (kept across runs) ---
  std::deque<entry> window_;  // in file order; window_[i] has seq first_seq_ + i
  std::uint64_t first_seq_ = 0;
  std::uint64_t epoch_ = 0;         // completions of an earlier run are ignored
  std::uint64_t window_bytes_ = 0;  // of entries not done
  std::size_t unsent_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t failed_ = 0;
  clock::time_point retry_at_{};  // after a failure: republish no earlier
  bool retry_armed_ = false;      // retry_at_ set for the current failures
  std::uint64_t failure_streak_ = 0;
  bool target_ready_ = true;
  std::optional<clock::time_point> read_retry_at_;  // after a read error
  amqp::reconnect_backoff backoff_;
  std::vector<forward_wakeup::result> results_;
  std::map<std::uint64_t, segment_progress> progress_;

  std::optional<std::uint64_t> reading_;    // segment being read
  std::optional<std::uint64_t> last_read_;  // highest segment read to its end
  bool reading_recovered_ = false;
  unique_fd read_fd_;
  std::uint64_t read_offset_ = 0;  // the next chunk starts here
  segment_chunk chunk_;
  std::size_t next_ref_ = 0;  // chunk_.scan.records not yet in the window
};

}  // namespace rai::spool::detail
