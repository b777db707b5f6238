#pragma once
// Escaping of text that comes from input (configs, --set, results directories) before it reaches
// another reader: a terminal, an HTML page, a gnuplot script (STYLE lesson 17: text from input
// is data). Each function is total: any byte string in, a safe string out, never an exception.
#include <string>
#include <string_view>

namespace trialsim {

// `text` as valid UTF-8: every byte that does not start a well-formed sequence (stray
// continuation bytes, truncated or overlong sequences, surrogates, code points above U+10FFFF)
// becomes U+FFFD. Why: JSON, HTML and gnuplot readers reject or misread invalid UTF-8, and a
// stray lead byte can swallow the delimiter that follows it in some decoders.
std::string valid_utf8(std::string_view text);

// `text` made valid UTF-8 with every control character shown as a visible escape: backslash as
// "\\", NUL as "\0", TAB/LF/CR as "\t" "\n" "\r", the other C0 controls, DEL and the C1 controls
// (U+0080..U+009F) as "\xHH" (C1 as "\u0085" etc.), so ESC is "\x1b". Why: a name echoed to a
// terminal must not move the cursor, recolour the screen or fake a line of output, and doubling
// the backslash keeps the display unambiguous (a literal "\n" in a name reads "\\n").
std::string terminal_safe(std::string_view text);

// `text` for HTML element content and quoted attribute values: valid UTF-8, & < > " ' as
// character references, and every control character (TAB, LF and CR included) shown as its
// terminal_safe escape ("\n", "\x1b"); a backslash stays a single backslash. Why: a name must never
// open a tag or leave an attribute, and a control character in a page is either invisible or a
// parse error.
std::string html_escape(std::string_view text);

}  // namespace trialsim
