/*
 * generate.c — greedy generation from token ids with the moevk C API: open a model, evaluate a prompt,
 * then pick the most likely next token n times. Prints the generated ids and prompt / decode tok/s.
 *
 *   moevk-generate MODEL.gguf [N_DECODE] [TOKEN ...]
 *
 * Copy it as the starting point of your own program; it uses only <moevk/engine.h>.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <moevk/engine.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int32_t argmax(const float *x, int32_t n) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; ++i)
        if (x[i] > x[best]) best = i;
    return best;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.gguf [N_DECODE] [TOKEN ...]\n", argv[0]);
        return 2;
    }
    const char *model_path = argv[1];
    int32_t n_decode = argc > 2 ? (int32_t)atoi(argv[2]) : 32;

    moevk_params *params = moevk_params_create();
    const char *device = getenv("MOEVK_DEVICE"); /* the library reads no environment; the tool maps it */
    if (params && device && moevk_params_set_str(params, "device", device) != MOEVK_OK) {
        fprintf(stderr, "bad MOEVK_DEVICE '%s'\n", device);
        return 2;
    }
    char err[512];
    moevk_ctx *ctx = NULL;
    moevk_status s = moevk_ctx_open(model_path, params, &ctx, err, sizeof err);
    moevk_params_free(params);
    if (s != MOEVK_OK) {
        fprintf(stderr, "moevk_ctx_open: %s: %s\n", moevk_status_string(s), err);
        return 1;
    }
    const int32_t n_vocab = moevk_n_vocab(ctx);
    printf("model: %s (%s), %d layers, vocab %d, device: %s\n", moevk_model_name(ctx), moevk_arch_name(ctx),
           moevk_n_layer(ctx), n_vocab, moevk_device_name(ctx));

    /* The prompt: token ids from the command line, or a fixed demo sequence. */
    int32_t n_prompt = argc > 3 ? argc - 3 : 8;
    int32_t *prompt = malloc(sizeof(int32_t) * (size_t)n_prompt);
    float *logits = malloc(sizeof(float) * (size_t)n_vocab);
    if (!prompt || !logits) return 1;
    for (int32_t i = 0; i < n_prompt; ++i)
        prompt[i] = argc > 3 ? (int32_t)atoi(argv[3 + i]) : (int32_t)((i * 37 + 11) % n_vocab);

    double t0 = now_seconds();
    s = moevk_eval_prompt(ctx, prompt, n_prompt, 0, logits);
    double prompt_seconds = now_seconds() - t0;
    if (s != MOEVK_OK) {
        fprintf(stderr, "moevk_eval_prompt: %s: %s\n", moevk_status_string(s), moevk_last_error(ctx));
        return 1;
    }

    printf("prompt:");
    for (int32_t i = 0; i < n_prompt; ++i) printf(" %d", prompt[i]);
    printf("\ngenerated:");
    int32_t pos = n_prompt, n_generated = 0;
    t0 = now_seconds();
    for (; n_generated < n_decode && pos < moevk_n_ctx(ctx); ++n_generated, ++pos) {
        int32_t token = argmax(logits, n_vocab);
        printf(" %d", token);
        fflush(stdout);
        if (token == moevk_eos(ctx)) break;
        s = moevk_eval_token(ctx, token, pos, logits);
        if (s != MOEVK_OK) {
            fprintf(stderr, "\nmoevk_eval_token: %s: %s\n", moevk_status_string(s), moevk_last_error(ctx));
            return 1;
        }
    }
    double decode_seconds = now_seconds() - t0;
    printf("\n");
    printf("prompt: %d tokens, %.1f tok/s\n", n_prompt, n_prompt / prompt_seconds);
    printf("decode: %d tokens, %.1f tok/s\n", n_generated, n_generated > 0 ? n_generated / decode_seconds : 0.0);

    moevk_stats stats = {0};
    stats.struct_size = sizeof stats;
    if (moevk_get_stats(ctx, &stats) == MOEVK_OK)
        printf("stats: %llu tokens evaluated, experts: %llu lookups, %llu hits, %llu misses, %llu bytes read\n",
               (unsigned long long)stats.tokens_evaluated, (unsigned long long)stats.expert_lookups,
               (unsigned long long)stats.expert_hits, (unsigned long long)stats.expert_misses,
               (unsigned long long)stats.expert_bytes_read);
    free(prompt);
    free(logits);
    moevk_ctx_close(ctx);
    return 0;
}
