#pragma once

// Internal: AMQP table values as text (a dead command's x-attempt may be a
// string, as the gateway writes it, or a number, as other publishers do).

#include <amqp.h>

#include <optional>
#include <string>
#include <string_view>

namespace rai::tool::detail {

// Strings and bytes as they are, numbers in decimal, booleans as true/false;
// nullopt for tables, arrays, decimals and void.
std::optional<std::string> field_text(const amqp_field_value_t& v);

// The text of the first entry named `name`, if any.
std::optional<std::string> table_text(const amqp_table_t& table, std::string_view name);

}  // namespace rai::tool::detail
