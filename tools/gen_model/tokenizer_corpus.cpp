// tokenizer_corpus.cpp — the text behind the generated vocabulary's merges. Changing it changes every
// generated model's tokenizer metadata (not its weights).
#include "tokenizer_corpus.h"

namespace moevk::gen {

const char kTokenizerCorpus[] =
    "The quick brown fox jumps over the lazy dog. The dog was not amused, and the fox ran into the forest.\n"
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in\n"
    "want of a wife. However little known the feelings or views of such a man may be on his first entering\n"
    "a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is\n"
    "considered the rightful property of some one or other of their daughters.\n"
    "We're going to the station; they've said it'll rain, but I'm sure we'd still like the walk.\n"
    "There is nothing in the world that is more important than the things that we do with the people we love.\n"
    "In the beginning the model reads the prompt, then it writes one token at a time until it is done.\n"
    "Experts are read from the file when they are needed, and the cache keeps the ones that are used often.\n"
    "The tokenizer splits the text into words, then merges the most frequent pairs of symbols in each word.\n"
    "\n"
    "int main(int argc, char **argv) {\n"
    "    for (int i = 0; i < argc; ++i) {\n"
    "        printf(\"%s\\n\", argv[i]);\n"
    "    }\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "def tokenize(text, vocab):\n"
    "    tokens = []\n"
    "    for word in text.split():\n"
    "        if word in vocab:\n"
    "            tokens.append(vocab[word])\n"
    "        else:\n"
    "            tokens.extend(vocab[c] for c in word)\n"
    "    return tokens\n"
    "\n"
    "static const char *name = \"moevk\"; if (status != MOEVK_OK) return status; // return the status\n"
    "for (size_t i = 0; i < n_tokens; ++i) { sum += logits[i] * weights[i]; } return sum;\n"
    "\n"
    "今天天气很好，我们去公园散步吧。我们的模型在图形处理器上运行，专家从文件中读取。\n"
    "我们的模型很小，但是它可以生成文本。今天我们学习中文，明天我们学习日本語。\n"
    "日本語のテキストも少しあります。今日はいい天気ですね。モデルはテキストを生成します。\n"
    "東京は日本の首都です。日本語のテキストを読みます。\n"
    "\n"
    "In 2024 there were 365 days; in 2025, 365 again. Call 555-0100 at 10:30 or 12:45 on 2025-03-14.\n"
    "The answer is 42, and the question is 6 * 7 = 42. Pi is 3.14159 and e is 2.71828.\n"
    "She said: \"Hello, world!\" -- and then: \"Goodbye, world...\" (the end).\n"
    "The the the, and and and, of of of, to to to, in in in, is is is, that that that, it it it.\n";

}  // namespace moevk::gen
