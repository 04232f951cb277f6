// sampler_api.cpp — extern "C" shims for moevk_sampler_*: the opaque moevk_sampler wraps a
// sampling::Sampler and its last error message. Same guard discipline as the context calls.
#include <new>

#include "api/guard.h"
#include "sampling/sampler.h"

struct moevk_sampler {
    moevk::sampling::Sampler sampler{moevk::sampling::SamplerParams()};
    std::string last_error;
};

namespace {

template <typename Body>
moevk_status sampler_guard(moevk_sampler *s, Body &&body) {
    moevk::Status st;
    try {
        st = s == nullptr ? moevk::invalid_arg("invalid argument: sampler is NULL") : body();
    } catch (const std::bad_alloc &) {
        st = moevk::out_of_memory("out of host memory");
    } catch (const std::exception &e) {
        st = moevk::internal_error(std::string("unexpected exception: ") + e.what());
    } catch (...) {
        st = moevk::internal_error("unexpected exception");
    }
    if (s) {
        try {
            s->last_error = st.is_ok() ? std::string() : st.message();
        } catch (...) {
            s->last_error.clear();
        }
    }
    return moevk::api::to_c_status(st.code());
}

}  // namespace

extern "C" moevk_status moevk_sampler_create(moevk_sampler **out_sampler) {
    if (out_sampler == nullptr) return MOEVK_E_INVALID_ARG;
    *out_sampler = new (std::nothrow) moevk_sampler();
    return *out_sampler ? MOEVK_OK : MOEVK_E_OUT_OF_MEMORY;
}

extern "C" void moevk_sampler_free(moevk_sampler *sampler) { delete sampler; }

extern "C" moevk_status moevk_sampler_set_f64(moevk_sampler *sampler, const char *key, double value) {
    return sampler_guard(sampler, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(key != nullptr);
        return sampler->sampler.set(key, value);
    });
}

extern "C" moevk_status moevk_sampler_set_i64(moevk_sampler *sampler, const char *key, int64_t value) {
    return sampler_guard(sampler, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(key != nullptr);
        if (std::string(key) == "seed") {  // all 64 bits, which a double cannot carry
            sampler->sampler.set_seed((uint64_t)value);
            return moevk::Status::ok();
        }
        return sampler->sampler.set(key, (double)value);
    });
}

extern "C" moevk_status moevk_sampler_sample(moevk_sampler *sampler, const float *logits, size_t n_vocab,
                                             int32_t *out_token) {
    return sampler_guard(sampler, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(out_token != nullptr);
        return sampler->sampler.sample(logits, n_vocab, out_token);
    });
}

extern "C" moevk_status moevk_sampler_accept(moevk_sampler *sampler, int32_t token) {
    return sampler_guard(sampler, [&]() -> moevk::Status { return sampler->sampler.accept(token); });
}

extern "C" moevk_status moevk_sampler_reset(moevk_sampler *sampler) {
    return sampler_guard(sampler, [&]() -> moevk::Status {
        sampler->sampler.reset();
        return moevk::Status::ok();
    });
}

extern "C" const char *moevk_sampler_last_error(const moevk_sampler *sampler) {
    return sampler ? sampler->last_error.c_str() : "";
}
