#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rai::amqp {

// Which node of one cluster (amqp.urls) a connection uses, and which it tries
// next. Each ring starts at a random node, so replicas and their publisher
// and consumer spread over the cluster; next() moves on after a failed
// connect or a lost connection, wrapping around. It also remembers the node
// a connection is up on, for the node_info metric, and counts failovers: a
// connection that comes up on another node than the previous one did.
//
// Not thread-safe, except connected_node() and failovers(), which any thread
// may read (/metrics) while the connection thread moves the ring.
class node_ring {
 public:
  // Throws std::invalid_argument when `urls` is empty (construction only).
  explicit node_ring(std::vector<std::string> urls);
  // Starts at urls[start % size] instead of a random node (tests).
  node_ring(std::vector<std::string> urls, std::size_t start);

  std::size_t size() const noexcept { return nodes_.size(); }
  std::size_t index() const noexcept { return current_; }  // 0-based

  // The current node: its URL (with the password: for connecting only), the
  // URL without the password ("amqp://user@host:port/vhost", for logs), and
  // "host:port" (the metric label).
  const std::string& url() const noexcept { return nodes_[current_].url; }
  const std::string& url_for_logs() const noexcept { return nodes_[current_].url_for_logs; }
  const std::string& node() const noexcept { return nodes_[current_].host_port; }
  // url_for_logs(), plus " (node 2 of 3)" when there is more than one.
  std::string describe() const;

  void next() noexcept;

  // The connection is up on the current node; true if that is a failover.
  bool connected() noexcept;
  void disconnected() noexcept;

  // "host:port" of the node a connection is up on; "" while none is.
  std::string connected_node() const;
  std::uint64_t failovers() const noexcept { return failovers_.load(std::memory_order_relaxed); }

 private:
  struct member {
    std::string url;
    std::string url_for_logs;
    std::string host_port;
  };
  static constexpr std::size_t k_none = static_cast<std::size_t>(-1);

  std::vector<member> nodes_;
  std::size_t current_ = 0;
  std::size_t last_connected_ = k_none;  // survives disconnected()
  std::atomic<std::size_t> connected_{k_none};
  std::atomic<std::uint64_t> failovers_{0};
};

// "host:port" of an AMQP URL ("[::1]:5672" for an IPv6 literal), or
// "<invalid AMQP URL>".
std::string host_port_of(const std::string& url);

}  // namespace rai::amqp
