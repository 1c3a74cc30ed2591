#include "gateway/command_line.hpp"

int main(int argc, char** argv) {
  return rai::gateway::run_command_line(argc, argv);
}
