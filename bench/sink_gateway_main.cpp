// rai-bench-gateway: the real gateway (same arguments, config and code paths)
// with one part swapped: its publisher confirms every event at once without a
// broker (confirming_publisher.hpp). bench/run's `sink` phase runs it to
// measure what the gateway itself costs per request.

#include <memory>

#include "bench/confirming_publisher.hpp"
#include "gateway/command_line.hpp"

int main(int argc, char** argv) {
  return rai::gateway::run_command_line(argc, argv, [](const rai::amqp::amqp_settings&) {
    return std::make_unique<rai::bench::confirming_publisher>();
  });
}
