#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "amqp/retry_ladder.hpp"

namespace rai::amqp {

enum class queue_type { classic, quorum };

// amqps:// only. The broker's certificate is verified against the system
// store plus ca_file; cert_file and key_file (both or neither) are the
// client certificate.
struct tls_settings {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;

  bool operator==(const tls_settings&) const = default;
};

// The event history of docs/wire-format.md §6: a stream bound to the events
// exchange with "#" that keeps every published event for replay.
struct history_settings {
  bool enabled = false;
  std::string max_age = "7D";                // x-max-age: a positive number and one of Y M D h m s
  std::uint64_t max_bytes = 10'737'418'240;  // x-max-length-bytes

  bool operator==(const history_settings&) const = default;
};

// x-stream-max-segment-size-bytes of the history stream: RabbitMQ applies
// retention by whole segments, so a segment is at most a tenth of max_bytes
// (between 1 MB and 100 MB; 100 MB for the default 10 GiB).
std::uint64_t history_segment_bytes(std::uint64_t max_bytes) noexcept;

// Whether `text` is a RabbitMQ x-max-age value: digits then one unit letter.
bool valid_history_max_age(std::string_view text) noexcept;

// Plain connection settings; the gateway's config layer fills them.
struct amqp_settings {
  // One node, or several nodes of one cluster.
  std::vector<std::string> urls{"amqp://guest:guest@127.0.0.1:5672/"};
  tls_settings tls;
  std::string events_exchange = "returning.events";
  queue_type queues = queue_type::classic;
  std::chrono::seconds heartbeat{30};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds confirm_timeout{10000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{10000};
  std::size_t max_in_flight = 8192;  // publishes sent or queued but not yet settled
  std::string connection_name = "rai-gateway";
  history_settings history;

  bool operator==(const amqp_settings&) const = default;
};

// The outbound consumer (returning.outbound). Connection settings come from
// amqp_settings (urls, tls, queue type, heartbeat, timeouts, reconnect backoff).
struct consumer_settings {
  std::string queue = "returning.outbound";
  // basic.qos: at most this many deliveries handed out and not yet settled
  // (0 is taken as 1: the consumer never asks for an unbounded prefetch).
  std::uint16_t prefetch = 64;
  // One delay queue per rung, returning.outbound.retry.<rung> (see
  // amqp/retry_ladder.hpp), declared on every connect.
  std::vector<std::chrono::milliseconds> retry_rungs = default_retry_rungs();
  // stop(): how long outstanding settles may still arrive and be executed
  // before the connection closes (the broker then requeues the rest).
  std::chrono::milliseconds drain_timeout{5000};
  // The connection_name client property; empty: amqp_settings'
  // connection_name + "-consumer".
  std::string connection_name;
};

}  // namespace rai::amqp
