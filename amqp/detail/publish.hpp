#pragma once

// Internal: basic.publish of one amqp::message exactly as message.hpp says
// (persistent, mandatory, its properties and string headers), shared by the
// publisher thread and the blocking session.

#include <amqp.h>

#include <vector>

#include "amqp/message.hpp"

namespace rai::amqp::detail {

// Returns rabbitmq-c's status (AMQP_STATUS_OK on success). `header_scratch`
// holds the header table during the call, so its capacity is reused.
int basic_publish(amqp_connection_state_t c, amqp_channel_t channel, const message& m,
                  std::vector<amqp_table_entry_t>& header_scratch);

}  // namespace rai::amqp::detail
