// main.cpp — moevk-gen-model: writes a qwen3moe / qwen3next / qwen35moe GGUF with seeded random weights, then re-opens it with
// moevk's own loader so a writer bug can never produce a file the runtime refuses.
// Exit codes: 0 written and verified, 1 write or verification failed, 2 bad arguments.
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli.h"
#include "model/model.h"
#include "model_file_writer.h"
#include "qwen3moe_layout.h"
#include "qwen3next_layout.h"

int main(int argc, char **argv) {
    using namespace moevk::gen;
    GenOptions opts;
    const std::string arg_error = parse_args(argc, argv, &opts);
    if (opts.help) {
        std::fputs(usage_text().c_str(), stdout);
        return 0;
    }
    if (!arg_error.empty()) {
        std::fprintf(stderr, "moevk-gen-model: %s\n%s", arg_error.c_str(), usage_text().c_str());
        return 2;
    }
    const unsigned n_threads = opts.n_threads ? opts.n_threads : std::max(1u, std::thread::hardware_concurrency());

    const auto t0 = std::chrono::steady_clock::now();
    GgufWriter writer;
    const std::vector<TensorFill> fills = opts.spec.is_hybrid()
                                              ? declare_qwen3next(opts.spec, opts.types, opts.seed, writer)
                                              : declare_qwen3moe(opts.spec, opts.types, opts.seed, writer);
    const uint64_t total_bytes = writer.header_bytes().size() + writer.data_section_bytes();
    WriteOptions wopts;
    wopts.n_threads = n_threads;
    wopts.progress = total_bytes > (1ull << 30);
    const std::string err = write_model_file(opts.out_path, writer, fills, wopts);
    if (!err.empty()) {
        std::fprintf(stderr, "moevk-gen-model: %s\n", err.c_str());
        return 1;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    auto loaded = moevk::model::load_model(opts.out_path);
    if (!loaded.is_ok()) {
        std::fprintf(stderr, "moevk-gen-model: the written file does not load: %s\n", loaded.status().message().c_str());
        return 1;
    }
    const moevk::model::HParams &hp = loaded.value()->hp;
    std::printf("wrote %s: %s, %s, %u layers, %u/%u experts, n_vocab %u, %zu tensors, %.1f MiB in %.2f s "
                "(%.0f MiB/s, %u threads)\n",
                opts.out_path.c_str(), hp.model_name.c_str(), opts.types.name().c_str(),
                hp.n_layer, hp.n_expert_used, hp.n_expert, hp.n_vocab, writer.tensors().size(),
                (double)total_bytes / (1 << 20), seconds, (double)total_bytes / (1 << 20) / seconds, n_threads);
    return 0;
}
