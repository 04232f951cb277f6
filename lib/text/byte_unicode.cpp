// byte_unicode.cpp — the GPT-2 byte <-> code point table, built once (thread-safe static initialisation).
#include "text/byte_unicode.h"

#include <array>

#include "text/utf8.h"

namespace moevk::text {

namespace {

struct Table {
    std::array<std::string, 256> to_unicode;
    std::array<int16_t, 512> to_byte;  // every mapped code point is below U+0144
    Table() {
        to_byte.fill(-1);
        uint32_t extra = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            const uint32_t cp = printable ? (uint32_t)b : 256 + extra++;
            to_unicode[b] = utf8_encode(cp);
            to_byte[cp] = (int16_t)b;
        }
    }
};

const Table &table() {
    static const Table t;
    return t;
}

}  // namespace

const std::string &byte_to_unicode(uint8_t b) { return table().to_unicode[b]; }

int unicode_to_byte(uint32_t cp) { return cp < 512 ? table().to_byte[cp] : -1; }

std::string bytes_to_unicode_text(std::string_view raw) {
    std::string out;
    out.reserve(raw.size() * 2);
    for (unsigned char c : raw) out += table().to_unicode[c];
    return out;
}

bool unicode_text_to_bytes(std::string_view text, std::string *raw) {
    raw->clear();
    for (size_t i = 0; i < text.size();) {
        const int b = unicode_to_byte(utf8_decode(text, &i));
        if (b < 0) return false;
        raw->push_back((char)b);
    }
    return true;
}

}  // namespace moevk::text
