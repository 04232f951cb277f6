// params_api.cpp — extern "C" shims for moevk_params_*. There is no context to hold a message, so the
// status alone reports the failure.
#include <new>

#include "api/guard.h"
#include "api/params.h"

extern "C" moevk_params *moevk_params_create(void) { return new (std::nothrow) moevk_params(); }

extern "C" void moevk_params_free(moevk_params *params) { delete params; }

extern "C" moevk_status moevk_params_set_i64(moevk_params *params, const char *key, int64_t value) {
    return moevk::api::guard(nullptr, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(params != nullptr && key != nullptr);
        return moevk::api::params_set_i64(*params, key, value);
    });
}

extern "C" moevk_status moevk_params_set_str(moevk_params *params, const char *key, const char *value) {
    return moevk::api::guard(nullptr, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(params != nullptr && key != nullptr && value != nullptr);
        return moevk::api::params_set_str(*params, key, value);
    });
}
