// tend: one binary, one file. See cli/commands.h for the command table.
#include "cli/commands.h"

int main(int argc, char** argv)
{
    return tend::cli::main(argc, argv);
}
