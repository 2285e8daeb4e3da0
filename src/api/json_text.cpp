#include "api/json_text.h"

#include "base/escape.h"

namespace tend::api {

nlohmann::json with_valid_utf8(const nlohmann::json& value)
{
    if (value.is_string())
        return valid_utf8_text(value.get_ref<const std::string&>());
    if (value.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& element : value)
            out.push_back(with_valid_utf8(element));
        return out;
    }
    if (value.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [key, element] : value.items())
            out[valid_utf8_text(key)] = with_valid_utf8(element);
        return out;
    }
    return value;
}

std::string to_json_text(const nlohmann::json& value, int indent)
{
    // nlohmann checks UTF-8 as it writes and throws on the first bad byte: the
    // common case costs nothing more, and only a value with such a string is
    // copied and written again.
    try {
        return value.dump(indent);
    } catch (const nlohmann::json::type_error&) {
        return with_valid_utf8(value).dump(indent);
    }
}

}  // namespace tend::api
