#pragma once

// Internal: the spool's writer thread (group commit). See spool/spool.hpp for
// the behaviour; this owns the descriptor of the segment being written.

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "spool/detail/disk.hpp"
#include "spool/detail/files.hpp"
#include "spool/detail/state.hpp"

namespace rai::spool::detail {

class spool_writer {
 public:
  spool_writer(spool_state& state, spool_disk_ops ops);
  ~spool_writer();
  spool_writer(const spool_writer&) = delete;
  spool_writer& operator=(const spool_writer&) = delete;

  void start();  // state.accepting must be set
  // Any thread. Encodes, checks the caps and queues; see spool::append.
  void append(const amqp::message& m, spool::completion done);
  // Refuses new appends, lets the thread write what was accepted, joins it.
  void stop();

 private:
  void run();
  void write_batch(std::vector<append_job>& batch, std::vector<spool_status>& results);
  // Writes batch[first, last) at the end of the active segment and syncs it.
  io_result<> write_group(const std::vector<append_job>& batch, std::size_t first,
                          std::size_t last);
  bool needs_new_segment(std::uint64_t record_size) const;
  io_result<> open_new_segment();
  void note_result(const io_result<>& result, const char* what);

  spool_state& state_;
  const spool_disk_ops ops_;
  std::thread thread_;

  // --- writer thread only ---
  unique_fd fd_;
  std::uint64_t active_id_ = 0;
  std::uint64_t active_size_ = 0;  // synced bytes; the next write goes here
  bool must_roll_ = false;         // the active segment may not be written again
  std::vector<iovec> iov_;
  std::uint64_t failures_in_a_row_ = 0;
};

}  // namespace rai::spool::detail
