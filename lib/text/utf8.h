// utf8.h — the few UTF-8 helpers the tokenizer needs: strict validation (with the offending offset for the
// error message), sequence length from a lead byte, and encoding one code point. No Unicode tables here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moevk::text {

// Offset of the first byte that does not begin a well-formed UTF-8 sequence (overlong forms, surrogates and
// code points above U+10FFFF are ill-formed), or std::string_view::npos when the whole text is valid.
size_t find_invalid_utf8(std::string_view s);
// Length of the sequence that starts with lead byte c; 1 for a byte that cannot start one.
size_t utf8_sequence_length(unsigned char c);
// UTF-8 encoding of cp (cp <= 0x10FFFF).
std::string utf8_encode(uint32_t cp);
// Decodes the valid sequence at s[i] and advances i past it.
uint32_t utf8_decode(std::string_view s, size_t *i);

}  // namespace moevk::text
