// state_load_fuzz.cpp — libFuzzer target: moevk_state_load on any byte string must return a status, never
// crash, hang or read out of bounds. Built twice (tests/fuzz/CMakeLists.txt): as is, and with checksum
// verification switched off (MOEVK_STATE_NO_CHECKSUM) so mutated inputs get past the checksums to the parser
// and the zstd/byte-plane decoder. Seed corpus: the golden snapshots in tests/golden/.
#include <cstdio>
#include <cstdlib>

#include "engine.h"

namespace {

// One context for the whole run (opening a device per input would be all the fuzzer measures), opened in
// LLVMFuzzerInitialize so the device's allocations are not charged to the first input's leak check. A load
// that succeeds replaces its session, which is fine: every input is judged on its own.
moevk_ctx *context() {
    static moevk_ctx *ctx = [] {
        moevk_params *p = moevk_params_create();
        moevk_params_set_str(p, "kv_type", "f16");
        moevk_params_set_i64(p, "n_ctx", 64);  // small: CTX_FULL is reachable and allocations stay small
        moevk_ctx *c = nullptr;
        char err[512] = "";
        if (moevk_ctx_open(MOEVK_FUZZ_MODEL, p, &c, err, sizeof err) != MOEVK_OK) {
            std::fprintf(stderr, "state_load_fuzz: cannot open %s: %s\n", MOEVK_FUZZ_MODEL, err);
            std::abort();  // a fuzzer without its context would only fuzz nothing
        }
        moevk_params_free(p);
        return c;
    }();
    return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    context();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    moevk_ctx *ctx = context();
    const moevk_status s = moevk_state_load(ctx, data, size);
    if (s == MOEVK_E_INTERNAL || s == MOEVK_E_INVALID_ARG) {
        std::fprintf(stderr, "state_load_fuzz: unexpected status %s: %s\n", moevk_status_string(s),
                     moevk_last_error(ctx));
        std::abort();
    }
    return 0;
}
