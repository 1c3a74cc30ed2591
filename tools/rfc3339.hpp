#pragma once

#include <chrono>
#include <string>

namespace rai::tool {

// "2024-05-01T10:00:00.123Z": UTC with milliseconds.
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace rai::tool
