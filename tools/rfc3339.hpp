#pragma once

// Forwards to the one RFC 3339 formatter, handlers/rfc3339.hpp, for
// cmd_dlq_replay.cpp, which issue 14's dlq rework owns: once it includes
// handlers/rfc3339.hpp itself, this header goes.

#include "handlers/rfc3339.hpp"

namespace rai::tool {

using handlers::rfc3339_utc;

}  // namespace rai::tool
