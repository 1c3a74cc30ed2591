#pragma once

// Internal: one message taken from a queue with basic.get and not yet acked.
// It owns rabbitmq-c's copy of the properties and body.

#include <amqp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tools/dead_entry.hpp"

namespace rai::tool::detail {

class dead_message {
 public:
  dead_message(std::uint64_t delivery_tag, amqp_message_t message);

  std::uint64_t delivery_tag() const noexcept { return tag_; }
  const amqp_basic_properties_t& properties() const noexcept { return message_->properties; }
  amqp_bytes_t body() const noexcept { return message_->body; }

  std::string_view message_id() const noexcept;  // "" when absent
  std::string_view type() const noexcept;        // "" when absent
  std::optional<std::string> header(std::string_view name) const;
  // The kind, as the gateway reads it: header x-kind, else type.
  std::string kind() const;

  dead_entry entry(bool with_body) const;

 private:
  struct destroy {
    void operator()(amqp_message_t* m) const noexcept;
  };
  std::uint64_t tag_;
  std::unique_ptr<amqp_message_t, destroy> message_;
};

}  // namespace rai::tool::detail
