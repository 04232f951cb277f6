// status_api.cpp — version and status-name functions of the C API (no context needed).
#include "engine.h"
#include "core/status.h"

static_assert(MOEVK_E_INTERNAL == static_cast<int>(moevk::StatusCode::kInternal), "status values are ABI");
static_assert(MOEVK_E_NO_CHECKPOINT == static_cast<int>(moevk::StatusCode::kNoCheckpoint), "status values are ABI");
static_assert(MOEVK_E_CORRUPT == static_cast<int>(moevk::StatusCode::kCorrupt), "status values are ABI");

#define MOEVK_STR2(x) #x
#define MOEVK_STR(x) MOEVK_STR2(x)

extern "C" uint32_t moevk_version_number(void) { return MOEVK_VERSION_NUMBER; }

extern "C" const char *moevk_version_string(void) {
    return MOEVK_STR(MOEVK_VERSION_MAJOR) "." MOEVK_STR(MOEVK_VERSION_MINOR) "." MOEVK_STR(MOEVK_VERSION_PATCH);
}

extern "C" const char *moevk_status_string(moevk_status status) {
    switch (status) {
        case MOEVK_OK: return "MOEVK_OK";
        case MOEVK_E_INVALID_ARG: return "MOEVK_E_INVALID_ARG";
        case MOEVK_E_OUT_OF_MEMORY: return "MOEVK_E_OUT_OF_MEMORY";
        case MOEVK_E_IO: return "MOEVK_E_IO";
        case MOEVK_E_BAD_FORMAT: return "MOEVK_E_BAD_FORMAT";
        case MOEVK_E_VERSION: return "MOEVK_E_VERSION";
        case MOEVK_E_DEVICE: return "MOEVK_E_DEVICE";
        case MOEVK_E_UNSUPPORTED: return "MOEVK_E_UNSUPPORTED";
        case MOEVK_E_CTX_FULL: return "MOEVK_E_CTX_FULL";
        case MOEVK_E_CANNOT_TRUNCATE: return "MOEVK_E_CANNOT_TRUNCATE";
        case MOEVK_E_BUFFER_TOO_SMALL: return "MOEVK_E_BUFFER_TOO_SMALL";
        case MOEVK_E_NOT_A_SNAPSHOT: return "MOEVK_E_NOT_A_SNAPSHOT";
        case MOEVK_E_MODEL_MISMATCH: return "MOEVK_E_MODEL_MISMATCH";
        case MOEVK_E_CORRUPT: return "MOEVK_E_CORRUPT";
        case MOEVK_E_NO_CHECKPOINT: return "MOEVK_E_NO_CHECKPOINT";
        case MOEVK_E_INTERNAL: return "MOEVK_E_INTERNAL";
    }
    return "MOEVK_E_UNKNOWN";
}
