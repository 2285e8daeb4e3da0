// Secret files in dotenv form: KEY=VALUE lines, `#` comments, optional
// `export `, single- or double-quoted values (double quotes understand \n, \",
// \\). No interpolation and no command substitution, ever.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tend::spec {

// Parses dotenv text. Errors give the line and column and the reason, never
// the text there (it may be a secret): "3:1: expected KEY=VALUE". Names follow
// the variable-name rule of names.h; a value may not hold a NUL byte.
Result<std::map<std::string, std::string>> parse_dotenv(std::string_view text);

// Reads a secret file, refusing it when anyone but its owner can write it or
// anyone outside its group can read it (mode must be within 0640). Parse
// errors read "PATH:LINE:COL: reason".
Result<std::map<std::string, std::string>> load_secret_file(const std::string& path);

}  // namespace tend::spec
