#pragma once

// Input and output of bodies: exact bytes, never re-encoded.

#include <string>
#include <string_view>

#include "tools/args.hpp"
#include "tools/outcome.hpp"

namespace rai::tool {

// The whole of --in FILE, or of stdin when --in is absent or "-".
outcome<std::string> read_input(const parsed_args& a);

// Writes `bytes` to stdout exactly; a newline is added only when stdout is a
// terminal, so piped output is byte-exact (a body to sign or send).
outcome<void> write_output(std::string_view bytes);

}  // namespace rai::tool
