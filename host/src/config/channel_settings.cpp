#include "config/channel_settings.hpp"

#include <boost/json.hpp>

#include "config/secret_ref.hpp"
#include "config/yaml_reader.hpp"

namespace herald {
namespace json = boost::json;

std::optional<ResolvedValue> resolve_value(const std::string& text, bool secret, const SourceMark& at,
                                           const std::string& what, const std::filesystem::path& base_dir,
                                           const LoadOptions& options, Diagnostics& diagnostics,
                                           const SettingsScope* scope) {
    bool malformed = false;
    const auto ref = parse_secret_ref(text, &malformed);
    if (!secret && (ref || malformed || has_embedded_ref(text))) {
        diagnostics.error(at, what +
                                  ": is not a secret setting; ${env:...} and ${file:...} references are allowed only "
                                  "in settings the channel type declares secret");
        return std::nullopt;
    }
    if (malformed || has_embedded_ref(text)) {
        diagnostics.error(at, what + ": a reference must be the whole value, exactly ${env:NAME} or ${file:PATH}");
        return std::nullopt;
    }
    if (ref && scope != nullptr && scope->tenants != nullptr && !scope->team.empty()) {
        if (auto refused = check_team_reference(*scope->tenants, scope->team, *ref, base_dir)) {
            diagnostics.error(at, what + ": " + *refused);
            return std::nullopt;
        }
    }
    if (!ref) {
        if (secret && !options.allow_literal_secrets) {
            diagnostics.error(at, what +
                                      ": is a secret; give it as ${env:NAME} or ${file:PATH}, not a literal "
                                      "(--allow-literal-secrets overrides)");
            return std::nullopt;
        }
        return ResolvedValue{text, false, false};
    }
    if (options.secrets == SecretMode::placeholder) return ResolvedValue{ref->text(), true, true};
    auto resolved = resolve_secret(*ref, base_dir);
    if (resolved.index() == 0) return ResolvedValue{std::get<0>(resolved), true, false};
    if (options.secrets == SecretMode::lenient) return ResolvedValue{ref->text(), true, true};
    diagnostics.error(at, what + ": " + std::get<1>(resolved));
    return std::nullopt;
}

namespace {

const char* type_name(herald_setting_type type) {
    switch (type) {
        case HERALD_SETTING_STRING:
            return "a string";
        case HERALD_SETTING_INTEGER:
            return "an integer";
        case HERALD_SETTING_BOOLEAN:
            return "true or false";
        case HERALD_SETTING_STRING_LIST:
            return "a list of strings";
        case HERALD_SETTING_STRING_MAP:
            return "a map of strings";
    }
    return "a value";
}

}  // namespace

ChannelSettings read_channel_settings(const YAML::Node& settings, const SourceMark& channel_mark,
                                      const std::string& file, const LoadedPlugin& plugin,
                                      const std::filesystem::path& base_dir, const LoadOptions& options,
                                      const SettingsScope& scope, Diagnostics& diagnostics) {
    ChannelSettings out;
    json::object object;
    const size_t errors_before = diagnostics.error_count();
    if (settings.IsDefined() && !settings.IsNull() && !settings.IsMap()) {
        diagnostics.error(mark_of(file, settings), "settings: must be a mapping");
        out.ok = false;
        return out;
    }
    std::vector<std::string> declared;
    for (const auto& s : plugin.settings) declared.emplace_back(s.name);

    auto resolve = [&](const YAML::Node& node, bool secret, const std::string& what) -> std::optional<std::string> {
        auto value =
            resolve_value(node.Scalar(), secret, mark_of(file, node), what, base_dir, options, diagnostics, &scope);
        if (!value) return std::nullopt;
        if (value->from_reference || secret) out.secret_values.push_back(value->value);
        if (value->placeholder) out.placeholder_settings.push_back(what);
        // Any URL-valued setting is a possible destination: it must be one the host allows.
        if (!value->placeholder && scope.destinations != nullptr &&
            (value->value.rfind("http://", 0) == 0 || value->value.rfind("https://", 0) == 0)) {
            if (auto refused = check_destination(*scope.destinations, plugin.name, value->value)) {
                diagnostics.error(mark_of(file, node), what + ": " + *refused);
                return std::nullopt;
            }
        }
        return value->value;
    };

    if (settings.IsMap()) {
        for (const auto& entry : settings) {
            const std::string key = entry.first.Scalar();
            const YAML::Node& value = entry.second;
            const herald_setting_desc* desc = plugin.find_setting(key);
            if (desc == nullptr) {
                std::string message = "unknown setting '" + key + "' for channel type '" + plugin.name + "'";
                if (const auto hint = did_you_mean(key, declared); !hint.empty())
                    message += "; did you mean '" + hint + "'?";
                diagnostics.error(mark_of(file, entry.first), message);
                continue;
            }
            const bool secret = (desc->flags & HERALD_SETTING_SECRET) != 0;
            auto wrong_type = [&] {
                diagnostics.error(mark_of(file, value), key + ": must be " + type_name(desc->type));
            };
            switch (desc->type) {
                case HERALD_SETTING_STRING: {
                    if (!value.IsScalar()) {
                        wrong_type();
                        break;
                    }
                    if (auto v = resolve(value, secret, key)) object[key] = *v;
                    break;
                }
                case HERALD_SETTING_INTEGER: {
                    long long n = 0;
                    if (!value.IsScalar() || !YAML::convert<long long>::decode(value, n))
                        wrong_type();
                    else
                        object[key] = n;
                    break;
                }
                case HERALD_SETTING_BOOLEAN: {
                    bool b = false;
                    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, b))
                        wrong_type();
                    else
                        object[key] = b;
                    break;
                }
                case HERALD_SETTING_STRING_LIST: {
                    if (!value.IsSequence()) {
                        wrong_type();
                        break;
                    }
                    json::array list;
                    for (const auto& item : value) {
                        if (!item.IsScalar())
                            wrong_type();
                        else if (auto v = resolve(item, secret, key))
                            list.emplace_back(*v);
                    }
                    object[key] = std::move(list);
                    break;
                }
                case HERALD_SETTING_STRING_MAP: {
                    if (!value.IsMap()) {
                        wrong_type();
                        break;
                    }
                    json::object map;
                    for (const auto& item : value) {
                        if (!item.second.IsScalar()) {
                            diagnostics.error(mark_of(file, item.second),
                                              key + "." + item.first.Scalar() + ": must be a string");
                        } else if (auto v = resolve(item.second, secret, key + "." + item.first.Scalar())) {
                            map[item.first.Scalar()] = *v;
                        }
                    }
                    object[key] = std::move(map);
                    break;
                }
            }
        }
    }
    for (const auto& desc : plugin.settings) {
        if ((desc.flags & HERALD_SETTING_REQUIRED) && !object.contains(desc.name) &&
            !child(settings, desc.name).IsDefined()) {
            diagnostics.error(
                settings.IsMap() ? mark_of(file, settings) : channel_mark,
                "missing required setting '" + std::string(desc.name) + "' for channel type '" + plugin.name + "'");
        }
    }
    // Declared defaults fill what the channel leaves out (ABI 1.1): the plugin sees one
    // complete settings object and need not repeat its defaults in code.
    for (const auto& desc : plugin.settings) {
        if (desc.default_value == nullptr || object.contains(desc.name)) continue;
        boost::system::error_code ec;
        json::value fallback = json::parse(desc.default_value, ec);
        if (!ec) object[desc.name] = std::move(fallback);
    }
    out.ok = diagnostics.error_count() == errors_before;
    out.json = json::serialize(object);
    return out;
}

}  // namespace herald
