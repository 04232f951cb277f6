// main.cpp — the moevk CLI: "moevk run -m MODEL -p TEXT -n N" tokenizes the prompt, evaluates it in batches
// (progress on stderr), samples and streams tokens to stdout, optionally saves or loads the session, and
// ends with statistics. Uses only the public C API (<moevk/engine.h>), like any program linking libmoevk.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <moevk/engine.h>

#include "cli_options.h"
#include "report.h"

namespace {

using moevk::cli::Options;
using moevk::cli::RunReport;

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct CtxCloser {
    void operator()(moevk_ctx *c) const { moevk_ctx_close(c); }
};
struct SamplerFree {
    void operator()(moevk_sampler *s) const { moevk_sampler_free(s); }
};

// Prints "what: STATUS: message" and returns the CLI's exit code for a runtime failure.
int fail(const char *what, moevk_status s, const char *message) {
    std::fprintf(stderr, "moevk: %s: %s: %s\n", what, moevk_status_string(s), message);
    return 1;
}

bool open_context(const Options &o, std::unique_ptr<moevk_ctx, CtxCloser> *ctx) {
    moevk_params *params = moevk_params_create();
    if (params == nullptr) return fail("moevk_params_create", MOEVK_E_OUT_OF_MEMORY, "out of memory"), false;
    moevk_status s = MOEVK_OK;
    const char *env_device = std::getenv("MOEVK_DEVICE");  // the library reads no environment; the CLI maps it
    const std::string device = !o.device.empty() ? o.device : env_device ? env_device : "";
    if (!device.empty()) s = moevk_params_set_str(params, "device", device.c_str());
    if (s == MOEVK_OK && o.n_ctx > 0) s = moevk_params_set_i64(params, "n_ctx", o.n_ctx);
    if (s == MOEVK_OK && !o.expert_cache.empty()) s = moevk_params_set_str(params, "expert_cache_bytes", o.expert_cache.c_str());
    if (s != MOEVK_OK) {
        moevk_params_free(params);
        return fail("parameters", s, "bad --device / MOEVK_DEVICE, --ctx-size or --expert-cache"), false;
    }
    char err[1024] = "";
    moevk_ctx *raw = nullptr;
    s = moevk_ctx_open(o.model_path.c_str(), params, &raw, err, sizeof err);
    moevk_params_free(params);
    if (s != MOEVK_OK) return fail("opening the model", s, err), false;
    ctx->reset(raw);
    return true;
}

bool make_sampler(const Options &o, std::unique_ptr<moevk_sampler, SamplerFree> *out) {
    moevk_sampler *raw = nullptr;
    if (moevk_sampler_create(&raw) != MOEVK_OK) return fail("sampler", MOEVK_E_OUT_OF_MEMORY, "out of memory"), false;
    out->reset(raw);
    const struct {
        const char *key;
        double value;
    } settings[] = {{"temp", o.temp},       {"top_k", (double)o.top_k},       {"top_p", o.top_p},
                    {"min_p", o.min_p},     {"repeat_penalty", o.repeat_penalty},
                    {"repeat_last_n", (double)o.repeat_last_n}};
    for (const auto &kv : settings) {
        const moevk_status s = moevk_sampler_set_f64(raw, kv.key, kv.value);
        if (s != MOEVK_OK) return fail("sampler", s, moevk_sampler_last_error(raw)), false;
    }
    moevk_sampler_set_i64(raw, "seed", (int64_t)o.seed);  // all 64 bits; cannot fail for a valid sampler
    return true;
}

std::string piece_of(moevk_ctx *ctx, int32_t token) {
    size_t n = 0;
    if (moevk_token_to_piece(ctx, token, nullptr, 0, &n) != MOEVK_OK) return "";
    std::string s(n, '\0');
    if (moevk_token_to_piece(ctx, token, s.data(), s.size(), &n) != MOEVK_OK) return "";
    return s;
}

int run(const Options &o) {
    std::unique_ptr<moevk_ctx, CtxCloser> holder;
    if (!open_context(o, &holder)) return 1;
    moevk_ctx *ctx = holder.get();
    std::unique_ptr<moevk_sampler, SamplerFree> sampler;
    if (!make_sampler(o, &sampler)) return 1;
    const int32_t n_vocab = moevk_n_vocab(ctx), n_ctx = moevk_n_ctx(ctx), eos = moevk_eos(ctx);
    std::vector<float> logits((size_t)n_vocab);
    bool have_logits = false;
    moevk_status s;

    if (!o.load_state.empty()) {
        s = moevk_state_load_file(ctx, o.load_state.c_str());
        if (s != MOEVK_OK) return fail(("loading the state from " + o.load_state).c_str(), s, moevk_last_error(ctx));
        have_logits = moevk_get_logits(ctx, logits.data(), logits.size()) == MOEVK_OK;
        std::fprintf(stderr, "state: continuing %d positions from %s\n", moevk_memory_seq_pos_max(ctx, 0) + 1,
                     o.load_state.c_str());
    }

    size_t n_tokens = 0;
    const int32_t flags = o.parse_special ? MOEVK_TOKENIZE_PARSE_SPECIAL : 0;
    s = moevk_tokenize(ctx, o.prompt.data(), o.prompt.size(), flags, nullptr, 0, &n_tokens);
    std::vector<int32_t> prompt(n_tokens);
    if (s == MOEVK_OK) s = moevk_tokenize(ctx, o.prompt.data(), o.prompt.size(), flags, prompt.data(), prompt.size(), &n_tokens);
    if (s != MOEVK_OK) return fail("tokenizing the prompt", s, moevk_last_error(ctx));

    RunReport report;
    int32_t pos = moevk_memory_seq_pos_max(ctx, 0) + 1;
    if ((int64_t)pos + (int64_t)prompt.size() > n_ctx) {
        std::fprintf(stderr, "moevk: the prompt (%zu tokens) does not fit: %d of %d positions used\n", prompt.size(),
                     pos, n_ctx);
        return 1;
    }
    // Evaluate the prompt in batches so progress can be shown between calls.
    const double t_prompt = now_seconds();
    for (size_t done = 0; done < prompt.size();) {
        const int32_t n = (int32_t)std::min<size_t>((size_t)o.batch, prompt.size() - done);
        s = moevk_eval_prompt(ctx, prompt.data() + done, n, pos, logits.data());
        if (s != MOEVK_OK) return fail("evaluating the prompt", s, moevk_last_error(ctx));
        done += (size_t)n, pos += n;
        have_logits = true;
        std::fprintf(stderr, "\rprompt: %zu/%zu tokens", done, prompt.size());
    }
    if (!prompt.empty()) std::fprintf(stderr, "\n");
    report.prompt_seconds = now_seconds() - t_prompt;
    report.n_prompt_tokens = (int64_t)prompt.size();
    for (int32_t t : prompt) moevk_sampler_accept(sampler.get(), t);  // prompt tokens count for the penalty
    if (!have_logits && o.n_predict > 0) {
        std::fprintf(stderr, "moevk: nothing to continue from: the prompt is empty and no state was loaded\n");
        return 1;
    }

    // Each sampled token is evaluated right away, so the context (and a saved state) holds every printed
    // token and the logits for the next one.
    report.stop_reason = "length";
    const double t_decode = now_seconds();
    for (int32_t i = 0; i < o.n_predict; ++i) {
        int32_t token = 0;
        s = moevk_sampler_sample(sampler.get(), logits.data(), logits.size(), &token);
        if (s != MOEVK_OK) return fail("sampling", s, moevk_sampler_last_error(sampler.get()));
        moevk_sampler_accept(sampler.get(), token);
        if (o.stop_at_eos && token == eos) {
            report.stop_reason = "eos";
            break;
        }
        if (pos >= n_ctx) {
            report.stop_reason = "context_full";
            break;
        }
        const std::string piece = piece_of(ctx, token);
        report.text += piece;
        ++report.n_generated;
        if (!o.json) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);  // raw bytes: a character may span two pieces
            std::fflush(stdout);
        }
        s = moevk_eval_token(ctx, token, pos, logits.data());
        if (s != MOEVK_OK) return fail("evaluating a token", s, moevk_last_error(ctx));
        ++pos;
    }
    report.decode_seconds = now_seconds() - t_decode;
    if (!o.json && report.n_generated > 0) std::fputc('\n', stdout);
    report.n_past = pos;

    if (!o.save_state.empty()) {
        s = moevk_state_save_file(ctx, o.save_state.c_str());
        if (s != MOEVK_OK) return fail(("saving the state to " + o.save_state).c_str(), s, moevk_last_error(ctx));
        std::fprintf(stderr, "state: saved %d positions to %s\n", pos, o.save_state.c_str());
    }
    report.stats.struct_size = sizeof(moevk_stats);
    s = moevk_get_stats(ctx, &report.stats);
    if (s != MOEVK_OK) return fail("statistics", s, moevk_last_error(ctx));
    if (o.json) {
        moevk::cli::print_report_json(stdout, report);
    } else {
        moevk::cli::print_report_text(stderr, report);
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    Options o;
    const std::string err = moevk::cli::parse_options(argc, argv, &o);
    if (!err.empty()) {
        std::fprintf(stderr, "moevk: %s\n\n%s", err.c_str(), moevk::cli::usage());
        return 2;
    }
    if (o.help) {
        std::fputs(moevk::cli::usage(), stdout);
        return 0;
    }
    return run(o);
}
