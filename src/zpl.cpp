#include "zpl.hpp"

#include "zmtp/error.hpp"

#include <cstddef>

namespace zmtp::detail {
namespace {

bool is_name_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '$' || c == '-'
        || c == '_' || c == '@' || c == '.' || c == '&' || c == '+' || c == '/';
}

bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t';
}

std::string_view trim_left(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    return s;
}

std::string_view trim_right(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

/// Nothing but whitespace and perhaps a comment.
bool blank_or_comment(std::string_view s) noexcept
{
    s = trim_left(s);
    return s.empty() || s.front() == '#';
}

/// The value after '=' (`rest` starts after it): quoted if it starts with a quote whose
/// match ends it (only whitespace or a comment after), else up to a comment, trimmed.
std::string value_of(std::string_view rest)
{
    rest = trim_left(rest);
    if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
        const std::size_t close = rest.find(rest.front(), 1);
        if (close != std::string_view::npos && blank_or_comment(rest.substr(close + 1)))
            return std::string(rest.substr(1, close - 1));
    }
    return std::string(trim_right(rest.substr(0, rest.find('#'))));
}

/// The next line of `text` from `pos` (without its ending), advancing `pos` past it.
std::string_view next_line(std::string_view text, std::size_t& pos) noexcept
{
    const std::size_t end = text.find_first_of("\r\n", pos);
    const std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (end == std::string_view::npos)
        pos = text.size();
    else
        pos = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
    return line;
}

} // namespace

std::error_code parse_zpl(std::string_view text, std::vector<zpl_property>& out, std::string& why)
{
    std::vector<zpl_property> properties;
    std::vector<std::string> parents; // the names of the enclosing properties, outermost first
    std::size_t line_number = 0;
    const auto refuse = [&](const char* what) {
        why = "line " + std::to_string(line_number) + ": " + what;
        return make_error_code(errc::invalid_argument);
    };
    for (std::size_t pos = 0; pos < text.size();) {
        const std::string_view line = next_line(text, pos);
        ++line_number;
        std::size_t indent = 0;
        while (indent < line.size() && is_space(line[indent])) {
            if (line[indent] == '\t' && !blank_or_comment(line))
                return refuse("a tab in the indentation");
            ++indent;
        }
        if (blank_or_comment(line))
            continue;
        if (indent % 4 != 0)
            return refuse("indentation not a multiple of 4 spaces");
        const std::size_t level = indent / 4;
        if (level > parents.size())
            return refuse("indented more than one level below its parent");
        parents.resize(level);

        std::size_t end = indent;
        while (end < line.size() && is_name_char(line[end]))
            ++end;
        if (end == indent)
            return refuse("a property name must start the line");
        const std::string_view name = line.substr(indent, end - indent);
        const std::string_view rest = trim_left(line.substr(end));

        zpl_property p;
        for (const std::string& parent : parents)
            p.path += parent + '/';
        p.path += name;
        if (!rest.empty() && rest.front() == '=')
            p.value = value_of(rest.substr(1));
        else if (!blank_or_comment(rest))
            return refuse("a name must be followed by '=' and a value, or nothing");
        properties.push_back(std::move(p));
        parents.emplace_back(name);
    }
    out = std::move(properties);
    return {};
}

} // namespace zmtp::detail
