// The store's schema as an ordered list of migrations. Never edit a migration
// that has shipped; append a new one. docs/store.md describes each table.
#pragma once

#include <span>
#include <string_view>

namespace tend::store {

struct Migration {
    std::string_view description;
    std::string_view sql;
};

std::span<const Migration> migrations();

}  // namespace tend::store
