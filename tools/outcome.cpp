#include "tools/outcome.hpp"

#include <cstdio>
#include <string>

namespace rai::tool {

int report(std::string_view command, const failure& f) {
  const std::string cmd(command);
  std::fprintf(stderr, "rai-gateway-tool %s: %s\n", cmd.c_str(), f.message.c_str());
  if (f.code == exit_usage) {
    std::fprintf(stderr, "(see: rai-gateway-tool %s --help)\n", cmd.c_str());
  }
  return f.code;
}

}  // namespace rai::tool
