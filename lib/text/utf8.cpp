// utf8.cpp — strict UTF-8 validation and encode/decode of single code points (RFC 3629 rules).
#include "text/utf8.h"

namespace moevk::text {

size_t utf8_sequence_length(unsigned char c) {
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) return 2;
    if ((c & 0xf0) == 0xe0) return 3;
    if ((c & 0xf8) == 0xf0) return 4;
    return 1;
}

size_t find_invalid_utf8(std::string_view s) {
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t n;
        uint32_t cp, min_cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2, cp = c & 0x1f, min_cp = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3, cp = c & 0x0f, min_cp = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4, cp = c & 0x07, min_cp = 0x10000;
        } else {
            return i;  // continuation byte, 0xc0/0xc1 (always overlong) or 0xf5..0xff
        }
        if (s.size() - i < n) return i;
        for (size_t k = 1; k < n; ++k) {
            if ((p[i + k] & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += n;
    }
    return std::string_view::npos;
}

std::string utf8_encode(uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += (char)cp;
    } else if (cp < 0x800) {
        s += (char)(0xc0 | (cp >> 6));
        s += (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        s += (char)(0xe0 | (cp >> 12));
        s += (char)(0x80 | ((cp >> 6) & 0x3f));
        s += (char)(0x80 | (cp & 0x3f));
    } else {
        s += (char)(0xf0 | (cp >> 18));
        s += (char)(0x80 | ((cp >> 12) & 0x3f));
        s += (char)(0x80 | ((cp >> 6) & 0x3f));
        s += (char)(0x80 | (cp & 0x3f));
    }
    return s;
}

uint32_t utf8_decode(std::string_view s, size_t *i) {
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    size_t n = utf8_sequence_length(p[*i]);
    if (*i + n > s.size()) n = 1;  // callers pass validated text; stay in bounds anyway
    uint32_t cp = n == 1 ? p[*i] : (p[*i] & (0x7f >> n));
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (p[*i + k] & 0x3f);
    *i += n;
    return cp;
}

}  // namespace moevk::text
