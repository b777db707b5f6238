#include "core/text_escape.h"

#include <array>
#include <cstdint>

namespace trialsim {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Length of the well-formed UTF-8 sequence at text[at], or 0 if the byte there does not start
// one (RFC 3629 table: no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_low = 0x80, second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong
    if (lead == 0xED) second_high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < second_low || byte(at + 1) > second_high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  }
  return length;
}

// Calls emit(code_point, bytes) for each well-formed sequence of `text`, with U+FFFD for each
// byte that starts none.
template <typename Emit>
void for_each_code_point(std::string_view text, Emit&& emit) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) {
      emit(char32_t{0xFFFD}, kReplacementCharacter);
      ++at;
      continue;
    }
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    char32_t code_point = 0;
    if (length == 1) {
      code_point = byte(0);
    } else if (length == 2) {
      code_point = (char32_t{byte(0)} & 0x1F) << 6 | (byte(1) & 0x3F);
    } else if (length == 3) {
      code_point =
          (char32_t{byte(0)} & 0x0F) << 12 | (char32_t{byte(1)} & 0x3F) << 6 | (byte(2) & 0x3F);
    } else {
      code_point = (char32_t{byte(0)} & 0x07) << 18 | (char32_t{byte(1)} & 0x3F) << 12 |
                   (char32_t{byte(2)} & 0x3F) << 6 | (byte(3) & 0x3F);
    }
    emit(code_point, text.substr(at, length));
    at += length;
  }
}

bool is_control(char32_t code_point) {
  return code_point < 0x20 || code_point == 0x7F || (code_point >= 0x80 && code_point <= 0x9F);
}

std::string hex_escape(char32_t code_point) {
  static constexpr std::array<char, 16> kDigits{'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  if (code_point < 0x80) {
    return {'\\', 'x', kDigits[code_point >> 4], kDigits[code_point & 0xF]};
  }
  return {'\\', 'u', '0', '0', kDigits[(code_point >> 4) & 0xF], kDigits[code_point & 0xF]};
}

// The visible escape of a control character (or the backslash), as terminal_safe shows it.
std::string control_escape(char32_t code_point) {
  switch (code_point) {
    case U'\\':
      return "\\\\";
    case U'\0':
      return "\\0";
    case U'\t':
      return "\\t";
    case U'\n':
      return "\\n";
    case U'\r':
      return "\\r";
    default:
      return hex_escape(code_point);
  }
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t, std::string_view bytes) { out.append(bytes); });
  return out;
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t code_point, std::string_view bytes) {
    if (code_point == U'\\' || is_control(code_point)) {
      out += control_escape(code_point);
    } else {
      out.append(bytes);
    }
  });
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t code_point, std::string_view bytes) {
    switch (code_point) {
      case U'&':
        out += "&amp;";
        break;
      case U'<':
        out += "&lt;";
        break;
      case U'>':
        out += "&gt;";
        break;
      case U'"':
        out += "&quot;";
        break;
      case U'\'':
        out += "&#39;";
        break;
      default:
        if (is_control(code_point)) {
          out += control_escape(code_point);
        } else {
          out.append(bytes);
        }
    }
  });
  return out;
}

}  // namespace trialsim
