#pragma once

// rai::spool::spool: the gateway's local write-ahead spool, for events the
// broker cannot confirm in time. An append completes `durable` only after
// the record is written and fdatasync'ed, so the gateway may answer 200; a
// forwarder thread later publishes every spooled record through a publisher
// (with confirms) and deletes a segment file once all its records are
// confirmed. The gateway decides when to spool; this class only stores and
// forwards.
//
// Files. `dir` holds spool.lock (flock'ed: one spool per directory) and
// segment files spool-00000001.seg, spool-00000002.seg, ... (numbered in
// append order, more digits when needed), each a sequence of records in the
// format of spool/record.hpp (magic, length, CRC32C of the payload,
// CRC32C of the header, then the serialized amqp::message). A segment is
// closed at settings.segment_bytes; segments found at open() are never
// appended to, new appends go to a new segment.
//
// Appends (group commit). append() encodes the record on the caller's thread
// and queues it; the writer thread takes everything queued while its
// previous batch was being synced, writes it with one pwritev (more only past
// IOV_MAX records or across a segment boundary), calls fdatasync once per
// segment written (and fsyncs the directory after creating a segment), then
// completes the whole batch. A failed write or fdatasync (ENOSPC, EIO, ...)
// completes the affected appends with io_error: a failed write is truncated
// away; after a failed fdatasync the segment is closed and the next batch
// starts a new one, since its page-cache state can no longer be trusted.
//
// Recovery (open()). Segments are scanned in order. A torn tail of the last
// segment (a crash mid-write: an incomplete record, or bytes with no record
// start after them) is truncated away; damaged records anywhere (CRC
// mismatch, bad header) are logged (spdlog, warn) and skipped; every whole
// record is left to be forwarded. An unreadable segment is logged and left
// alone.
//
// Forwarding. While a target is set, the forwarder reads records in file
// order and publishes them, keeping at most forward_window (and
// forward_window_bytes) unconfirmed. The message is published exactly as it
// was appended (exchange, routing key, message_id, type, content_type,
// timestamp, headers, body) plus the header x-spooled: true when
// settings.mark_forwarded. Outcomes:
// * confirmed: done;
// * returned (no route; cannot happen on the events exchange, which has an
//   alternate exchange): logged and counted as done, since retrying could
//   never succeed and would wedge the spool;
// * nacked, unavailable, overloaded, timed_out, connection_lost: retried.
//   After a failure the forwarder waits for every outstanding publish to
//   settle and for a jittered, doubling backoff (retry_min .. retry_max), then
//   republishes the failed records in file order.
// So records are published in file order, except that a record retried after
// a failure may land behind later records that were confirmed the first
// time. A segment file is deleted once it is closed, read to its end and
// every record in it is done; when the forwarder has caught up and no append
// is pending, it closes the segment being written so that it can be deleted
// too (the next append starts a new one).
//
// Guarantee: at least once. A record that completed `durable` is published
// and confirmed eventually, unless its bytes are damaged on disk. It may be
// published twice: a crash or stop between the broker's confirm and the
// deletion of its segment republishes the segment's records on the next
// start, so consumers must dedupe by message_id.
//
// Threads. append() and stats() are thread-safe and never block on the disk.
// Completions run on the writer thread, outside any lock, batched; or on the
// caller's thread before append() returns when the append is refused up
// front. Lifecycle calls (open, start_forwarding, stop_forwarding, stop) come
// from one thread, never from a completion.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "amqp/message.hpp"
#include "amqp/publisher_interface.hpp"
#include "spool/settings.hpp"

namespace rai::spool {

namespace detail {
struct spool_disk_ops;
}

enum class spool_status {
  durable,     // written and fdatasync'ed: the event survives a crash
  full,        // settings.max_bytes would be exceeded: answer 503, report not ready
  overloaded,  // settings.max_queued_bytes of appends are waiting for the disk
  too_large,   // the record would exceed k_max_spool_payload
  io_error,    // a write, fdatasync or segment creation failed (ENOSPC, EIO, ...)
  stopped,     // not open, or stopping
};
inline constexpr std::size_t spool_status_count = 6;
const char* to_string(spool_status s) noexcept;

// A consistent-enough snapshot for readiness and metrics; cheap (atomics and
// one short lock).
struct spool_stats {
  std::uint64_t bytes_on_disk = 0;    // segment files: records written and synced
  std::uint64_t bytes_queued = 0;     // appends accepted, not yet on disk
  std::uint64_t max_bytes = 0;        // the total cap (settings.max_bytes)
  std::uint64_t segments = 0;         // segment files on disk
  std::uint64_t records_pending = 0;  // whole records on disk not yet confirmed by the broker
  std::uint64_t recovered = 0;        // whole records found by open()
  std::uint64_t appended = 0;         // records made durable since open()
  std::uint64_t forwarded = 0;        // records confirmed by the broker
  std::uint64_t returned = 0;         // records returned by the broker (no route), dropped
  std::uint64_t corrupt_skipped = 0;  // damaged spans skipped, at open() or while forwarding
  std::uint64_t truncated_bytes = 0;  // torn tail cut off by open()
  std::uint64_t batches = 0;          // write batches (group commits)
  std::uint64_t syncs = 0;            // fdatasync calls on segment files
  std::uint64_t io_errors = 0;        // failed writes, syncs, segment creations and reads
  std::array<std::uint64_t, spool_status_count> results{};  // append completions by status
  // An append was refused with `full` since space was last freed (a segment
  // deleted): the spool is at its cap, the gateway should report not ready.
  bool full = false;
  bool forwarding = false;  // a forward target is set
};

// Where the forwarder publishes. forward_to(message_publisher&) is the usual
// one; tests and wrappers may supply their own.
struct spool_target {
  // Same contract as message_publisher::publish: the completion is called
  // exactly once, on any thread, possibly before publish returns.
  std::function<void(amqp::message&&, amqp::message_publisher::completion)> publish;
  // Polled (every 100 ms while false) before publishing; empty = always ready.
  std::function<bool()> ready;
};
// Publishes through `p`, ready while p.connected().
spool_target forward_to(amqp::message_publisher& p);

class spool {
 public:
  using completion = std::function<void(spool_status)>;

  explicit spool(spool_settings settings);
  // Tests: replaces the writer's pwritev and fdatasync to inject disk errors.
  spool(spool_settings settings, const detail::spool_disk_ops& ops);
  ~spool();  // stop()
  spool(const spool&) = delete;
  spool& operator=(const spool&) = delete;

  // Creates the directory if needed, locks it, recovers its segments (see
  // above) and starts the writer thread. Startup only: throws
  // std::system_error when the directory cannot be created, locked (another
  // spool has it) or listed; it may then be called again. Once it succeeded,
  // or after stop(), it does nothing.
  void open();

  // Thread-safe. Encodes `m` and queues it for the writer; `done` is called
  // exactly once: `durable` once the record is synced, io_error if writing it
  // failed; or right away, on this thread, with full / overloaded /
  // too_large / stopped when it is refused up front.
  void append(const amqp::message& m, completion done);

  // Starts (or restarts with another target) the forwarder thread; does
  // nothing before open() or after stop(). The target (the publisher) must
  // stay valid until stop_forwarding(), stop() or ~spool. A restart resumes
  // where the previous run stopped; publishes still unconfirmed then are
  // made again.
  void start_forwarding(spool_target target);
  // Stops publishing, waits up to settings.stop_grace for outstanding
  // confirms (deleting segments they finish), and joins the thread.
  // Unconfirmed records stay on disk. Idempotent.
  void stop_forwarding();

  // stop_forwarding(), then refuses new appends (`stopped`), writes and syncs
  // everything already accepted, completes it, joins the writer thread and
  // unlocks the directory. Idempotent.
  void stop();

  spool_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::spool
