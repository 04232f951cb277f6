// byte_unicode.h — GPT-2's bytes_to_unicode(): byte-level BPE vocabularies store every byte as a printable
// code point (printable Latin-1 bytes as themselves, the rest as U+0100 onwards), so a space is "Ġ" (U+0120).
// Only the mapping, both ways; the tokenizer and the model generator share it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace moevk::text {

// UTF-8 of the code point that stands for byte b.
const std::string &byte_to_unicode(uint8_t b);
// The byte a code point stands for, or -1 when cp is not in the mapping.
int unicode_to_byte(uint32_t cp);
// Maps every byte of raw to its code point (the form merges and vocabulary entries are written in).
std::string bytes_to_unicode_text(std::string_view raw);
// The inverse for a valid UTF-8 string; false when some code point is not in the mapping.
bool unicode_text_to_bytes(std::string_view text, std::string *raw);

}  // namespace moevk::text
