/*
 * consumer.c — a C99 program built against the *installed* moevk through pkg-config (and through
 * find_package(moevk)): checks the header/runtime versions agree, runs a short greedy generation, and
 * checks eval_token equals eval_prompt of one token bit for bit. Exit 0 on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moevk/engine.h>

#define CHECK(cond)                                                  \
    do {                                                             \
        if (!(cond)) {                                               \
            fprintf(stderr, "consumer: check failed: %s\n", #cond);  \
            return 1;                                                \
        }                                                            \
    } while (0)

int main(int argc, char **argv) {
    CHECK(argc == 2);
    CHECK(moevk_version_number() == MOEVK_VERSION_NUMBER);
    char err[256] = "";
    moevk_ctx *a = NULL, *b = NULL;
    moevk_status s = moevk_ctx_open(argv[1], NULL, &a, err, sizeof err);
    if (s != MOEVK_OK) fprintf(stderr, "open: %s %s\n", moevk_status_string(s), err);
    CHECK(s == MOEVK_OK);
    CHECK(moevk_ctx_open(argv[1], NULL, &b, err, sizeof err) == MOEVK_OK);
    int32_t n_vocab = moevk_n_vocab(a);
    CHECK(n_vocab > 0);
    float *la = malloc(sizeof(float) * (size_t)n_vocab), *lb = malloc(sizeof(float) * (size_t)n_vocab);
    CHECK(la && lb);
    int32_t token = 1;
    for (int32_t pos = 0; pos < 8; ++pos) {
        CHECK(moevk_eval_token(a, token, pos, la) == MOEVK_OK);
        CHECK(moevk_eval_prompt(b, &token, 1, pos, lb) == MOEVK_OK);
        CHECK(memcmp(la, lb, sizeof(float) * (size_t)n_vocab) == 0);
        int32_t best = 0;
        for (int32_t i = 1; i < n_vocab; ++i)
            if (la[i] > la[best]) best = i;
        printf("%d ", best);
        token = best;
    }
    printf("\n");
    CHECK(moevk_memory_seq_pos_max(a, 0) == 7);
    free(la);
    free(lb);
    moevk_ctx_close(a);
    moevk_ctx_close(b);
    printf("consumer: ok (moevk %s)\n", moevk_version_string());
    return 0;
}
