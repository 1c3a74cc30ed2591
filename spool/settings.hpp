#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace rai::spool {

// Plain settings of the local spool (spool/spool.hpp); the gateway's config
// layer fills them (spool.dir, spool.max_bytes).
struct spool_settings {
  std::string dir = "/var/lib/rai-gateway/spool";
  // Total cap: segment files on disk plus appends not yet written. An append
  // beyond it completes with spool_status::full.
  std::uint64_t max_bytes = std::uint64_t{1} << 30;
  // A segment is closed and a new one started before an append would take it
  // past this (a single bigger record gets a segment of its own).
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;
  // Memory bound: appends accepted and waiting for the writer thread. Beyond
  // it an append completes with spool_status::overloaded.
  std::uint64_t max_queued_bytes = std::uint64_t{64} << 20;

  // Forwarder: at most this many records (and bytes) published and not yet
  // confirmed, so a draining spool leaves the publisher room for live events.
  std::size_t forward_window = 256;
  std::uint64_t forward_window_bytes = std::uint64_t{16} << 20;
  // Backoff between retries after a failed publish (jittered, doubling).
  std::chrono::milliseconds retry_min{250};
  std::chrono::milliseconds retry_max{10000};
  // stop_forwarding(): how long confirms of outstanding publishes are awaited
  // (records confirmed in time are not forwarded again after a restart).
  std::chrono::milliseconds stop_grace{2000};
  // Forwarded messages get the header x-spooled: true (unless they carry an
  // x-spooled header already), telling consumers the event went through the
  // spool and may arrive twice.
  bool mark_forwarded = true;

  bool operator==(const spool_settings&) const = default;
};

}  // namespace rai::spool
