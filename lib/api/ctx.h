// ctx.h — the opaque moevk_ctx behind the C API: the session plus what the ABI hands out by pointer
// (the last error message, model strings), so those pointers stay valid as engine.h promises.
#pragma once

#include <memory>
#include <string>

#include "session/context.h"
#include "text/tokenizer.h"

struct moevk_ctx {
    std::unique_ptr<moevk::session::Context> session;
    std::unique_ptr<moevk::text::Tokenizer> tokenizer;  // built on first use (text_api.cpp)
    std::string last_error;  // returned by moevk_last_error(); "" after a successful call
};
