// tokenizer_corpus.h — the small embedded text (English prose, C and Python code, Chinese and Japanese, numbers)
// the generator learns its BPE merges from. Only its bytes matter; it is not meant to be read.
#pragma once

namespace moevk::gen {

extern const char kTokenizerCorpus[];

}  // namespace moevk::gen
