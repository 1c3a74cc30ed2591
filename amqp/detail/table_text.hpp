#pragma once

// Internal: AMQP table values as text, the one conversion the consumer's
// deliveries and the session's taken messages share. A header may be a
// string, as the gateway writes it, or a number, as other publishers (and
// the broker's x-death) write it.

#include <amqp.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rai::amqp::detail {

// Strings (and byte arrays) as they are, integers and timestamps in decimal,
// floats in shortest round-trip decimal, booleans as "true" / "false";
// nullopt for tables, arrays, decimals and voids.
std::optional<std::string> field_text(const amqp_field_value_t& v);

// Every entry that has a text form, in table order.
std::vector<std::pair<std::string, std::string>> table_text(const amqp_table_t& table);

// The text of the first entry named `name`; nullopt when there is none or it
// has no text form.
std::optional<std::string> table_text(const amqp_table_t& table, std::string_view name);

}  // namespace rai::amqp::detail
