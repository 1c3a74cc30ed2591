#pragma once

// What the tool reads and writes besides messages: bodies as exact bytes,
// never re-encoded, and request headers as "name: value" lines (the form
// `curl -H @FILE` reads).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/args.hpp"

namespace rai::tool {

// The whole of --in FILE, or of stdin when --in is absent or "-".
outcome<std::string> read_input(const parsed_args& a);

// Writes `bytes` to stdout exactly; a newline is added only when stdout is a
// terminal, so piped output is byte-exact (a body to sign or send).
outcome<void> write_output(std::string_view bytes);

using header_list = std::vector<std::pair<std::string, std::string>>;

std::string format_header_lines(const header_list& headers);

// Writes the lines to `path` ("-": stderr).
outcome<void> write_header_lines(const std::string& path, const header_list& headers);

}  // namespace rai::tool
