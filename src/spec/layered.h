// A table of the app file seen through an environment overlay.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace tend::spec {

// A table seen through an environment overlay: the overlay's value wins key
// by key, and tables present in both are visited base first, then overlay.
struct Layered {
    const toml::table* base = nullptr;
    const toml::table* overlay = nullptr;

    [[nodiscard]] std::vector<std::string> keys() const
    {
        std::vector<std::string> out;
        std::set<std::string> seen;
        for (const toml::table* layer : {base, overlay}) {
            if (layer == nullptr)
                continue;
            for (const auto& [key, value] : *layer) {
                if (seen.insert(std::string(key.str())).second)
                    out.emplace_back(key.str());
            }
        }
        return out;
    }

    // Nodes for key, base first; at most two.
    [[nodiscard]] std::vector<const toml::node*> nodes(std::string_view key) const
    {
        std::vector<const toml::node*> out;
        for (const toml::table* layer : {base, overlay}) {
            if (layer != nullptr) {
                if (const toml::node* node = layer->get(key))
                    out.push_back(node);
            }
        }
        return out;
    }

    // Where the winning layer spells the key, for errors about the key itself.
    [[nodiscard]] toml::source_region key_region(std::string_view key) const
    {
        for (const toml::table* layer : {overlay, base}) {
            if (layer == nullptr)
                continue;
            auto it = layer->find(key);
            if (it != layer->end())
                return it->first.source();
        }
        return {};
    }

    [[nodiscard]] Layered child(std::string_view key) const
    {
        auto as_table = [&](const toml::table* layer) -> const toml::table* {
            if (layer == nullptr)
                return nullptr;
            const toml::node* node = layer->get(key);
            return node != nullptr ? node->as_table() : nullptr;
        };
        return Layered{as_table(base), as_table(overlay)};
    }
};

}  // namespace tend::spec
