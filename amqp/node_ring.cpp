#include "amqp/node_ring.hpp"

#include <amqp.h>

#include <random>
#include <stdexcept>
#include <utility>

#include "amqp/detail/amqp.hpp"

namespace rai::amqp {

namespace {

std::size_t random_index(std::size_t size) {
  if (size <= 1) return 0;
  std::uniform_int_distribution<std::size_t> pick(0, size - 1);
  std::random_device seed;
  return pick(seed);
}

}  // namespace

std::string host_port_of(const std::string& url) {
  std::string buf(url);  // amqp_parse_url writes into its input
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(buf.data(), &info) != AMQP_STATUS_OK) return "<invalid AMQP URL>";
  const std::string host = info.host;
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? '[' + host + ']' : host) + ':' + std::to_string(info.port);
}

node_ring::node_ring(std::vector<std::string> urls) : node_ring(urls, random_index(urls.size())) {}

node_ring::node_ring(std::vector<std::string> urls, std::size_t start) {
  if (urls.empty()) throw std::invalid_argument("amqp: no broker URL");
  nodes_.reserve(urls.size());
  for (std::string& url : urls) {
    std::string for_logs = detail::redact_url(url);
    std::string host_port = host_port_of(url);
    nodes_.push_back({std::move(url), std::move(for_logs), std::move(host_port)});
  }
  current_ = start % nodes_.size();
}

std::string node_ring::describe() const {
  if (nodes_.size() == 1) return url_for_logs();
  return url_for_logs() + " (node " + std::to_string(current_ + 1) + " of " +
         std::to_string(nodes_.size()) + ")";
}

void node_ring::next() noexcept {
  current_ = (current_ + 1) % nodes_.size();
}

bool node_ring::connected() noexcept {
  const bool failover = last_connected_ != k_none && last_connected_ != current_;
  last_connected_ = current_;
  connected_.store(current_, std::memory_order_relaxed);
  if (failover) failovers_.fetch_add(1, std::memory_order_relaxed);
  return failover;
}

void node_ring::disconnected() noexcept {
  connected_.store(k_none, std::memory_order_relaxed);
}

std::string node_ring::connected_node() const {
  const std::size_t i = connected_.load(std::memory_order_relaxed);
  return i == k_none ? std::string() : nodes_[i].host_port;
}

}  // namespace rai::amqp
