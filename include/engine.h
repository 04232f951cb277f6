/*
 * moevk — streaming Mixture-of-Experts LLM inference on Vulkan. The only public header.
 *
 * Installed as <moevk/engine.h>. C99. Every exported symbol starts with moevk_. Every call that can fail
 * returns a moevk_status; the message of the last failure on a context is moevk_last_error(ctx).
 * A failed call changes nothing: the context is exactly as it was before the call.
 *
 * Threads: several contexts may live in one process and be used from different threads at the same time.
 * One context is used by one thread at a time (calls on one context are not synchronised by moevk).
 * Functions without a context (version, status_string, params_*) may be called from any thread.
 *
 * Tokens, positions and sequence ids are int32_t. Sizes travel with their buffers: (dst, dst_capacity) and
 * (src, src_size). A logits buffer always holds moevk_n_vocab(ctx) floats.
 *
 * Ownership and lifetimes, for every function unless its doc says otherwise (for bindings through FFI):
 * - Pointer arguments (strings, token arrays, src buffers, params) are read only during the call; moevk keeps
 *   no reference to them afterwards. dst buffers belong to the caller and are written only during the call.
 * - Objects returned through out_ parameters (moevk_ctx, moevk_sampler) and from moevk_params_create() are
 *   owned by the caller and released with their _close/_free function, exactly once; NULL is accepted there.
 * - Returned const char * strings are never NULL. Those of moevk_version_string and moevk_status_string are
 *   static. moevk_model_name, moevk_arch_name and moevk_device_name live as long as their context;
 *   moevk_last_error (and moevk_sampler_last_error) until the next call on the same object. Never free them.
 * - Threads: functions taking a context (or a sampler, or a params object) may be called from any thread, but
 *   one object is used by one thread at a time; moevk_ctx_close must not race with any other call on ctx.
 *   Functions without such an object are thread-safe.
 */
#ifndef MOEVK_ENGINE_H
#define MOEVK_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define MOEVK_API __declspec(dllexport)
#elif defined(__GNUC__)
#define MOEVK_API __attribute__((visibility("default")))
#else
#define MOEVK_API
#endif

#define MOEVK_VERSION_MAJOR 0
#define MOEVK_VERSION_MINOR 1
#define MOEVK_VERSION_PATCH 0
#define MOEVK_VERSION_NUMBER (MOEVK_VERSION_MAJOR * 10000 + MOEVK_VERSION_MINOR * 100 + MOEVK_VERSION_PATCH)

/** Runtime version of the loaded library as MAJOR*10000 + MINOR*100 + PATCH.
 *  Compare it with MOEVK_VERSION_NUMBER to catch a header/library mismatch. Threads: any. */
MOEVK_API uint32_t moevk_version_number(void);
/** Runtime version as "MAJOR.MINOR.PATCH". Static string, never NULL. Threads: any. */
MOEVK_API const char *moevk_version_string(void);

/* Status codes. The values are ABI: never renumbered or reused, only appended. */
typedef enum moevk_status {
    MOEVK_OK = 0,
    MOEVK_E_INVALID_ARG = 1,      /* the caller broke a documented precondition */
    MOEVK_E_OUT_OF_MEMORY = 2,    /* host or device allocation failed */
    MOEVK_E_IO = 3,               /* a file could not be read or written */
    MOEVK_E_BAD_FORMAT = 4,       /* malformed model file */
    MOEVK_E_VERSION = 5,          /* unsupported format version */
    MOEVK_E_DEVICE = 6,           /* Vulkan failure, no device, device lost */
    MOEVK_E_UNSUPPORTED = 7,      /* a valid request this build, model or device cannot serve */
    MOEVK_E_CTX_FULL = 8,         /* the request needs more positions than n_ctx */
    MOEVK_E_CANNOT_TRUNCATE = 9,  /* memory_seq_rm cannot remove the range without losing state */
    MOEVK_E_BUFFER_TOO_SMALL = 10,/* dst_capacity is smaller than the result; the size needed is returned */
    MOEVK_E_NOT_A_SNAPSHOT = 11,  /* the bytes are not a moevk snapshot */
    MOEVK_E_MODEL_MISMATCH = 12,  /* the snapshot was written for another model */
    MOEVK_E_CORRUPT = 13,         /* checksum, truncation or an inconsistent snapshot */
    MOEVK_E_NO_CHECKPOINT = 14,   /* no checkpoint at the requested position */
    MOEVK_E_INTERNAL = 99         /* a bug in moevk; please report it */
} moevk_status;

/** Static name of a status ("MOEVK_E_IO"); never NULL, also for unknown values. Threads: any. */
MOEVK_API const char *moevk_status_string(moevk_status status);

typedef struct moevk_ctx moevk_ctx;       /* opaque: one model on one device with one sequence */
typedef struct moevk_params moevk_params; /* opaque: parameters set by key, so new keys never change a layout */

/* ---------------------------------------------------------------------------------------------------------
 * Parameters
 * Keys (i64 unless noted):
 *   n_ctx                    context length in positions (default min(model context_length, 4096))
 *   device                   i64: device index in enumeration order; str: substring of the device name
 *   expert_cache_bytes       i64 bytes, or str such as "25%" of all expert bytes (default: all that fit);
 *                            less than all experts streams them from the file (at least one expert's bytes)
 *   io_threads               threads reading the weights at open and experts later from disk (0: automatic)
 *   expert_direct_io         1: read experts with O_DIRECT, bypassing the page cache (default 0)
 *   kv_type                  str: "f16" (default), "f32", "q8_0"
 *   checkpoint_interval      automatic checkpoint every this many positions (default 0: only at prompt ends)
 *   max_checkpoints          checkpoints held at most (default 8; position 0 and the newest are never evicted)
 *   checkpoint_bytes         host bytes of recurrent state the checkpoints may hold (default -1: automatic,
 *                            max(256 MiB, max_checkpoints x the model's recurrent state bytes))
 *   max_replay_tokens        tokens memory_seq_rm may re-evaluate from a checkpoint (default 512)
 *   state_compression_level  zstd level of snapshots, 1..22 (default 1)
 *   state_save_checkpoints   1: snapshots carry the checkpoints (default 0); docs/checkpoints.md
 * ------------------------------------------------------------------------------------------------------- */

/** Create a parameter object holding the defaults.
 *  Ownership: the caller owns it and releases it with moevk_params_free(). NULL only when out of memory.
 *  Threads: any; one parameter object is used by one thread at a time. */
MOEVK_API moevk_params *moevk_params_create(void);
/** Set an integer parameter.
 *  @param params  from moevk_params_create(); not NULL.
 *  @param key     NUL-terminated key name; read only during the call.
 *  @return MOEVK_OK; MOEVK_E_INVALID_ARG for a NULL argument, an unknown key or a value out of range. */
MOEVK_API moevk_status moevk_params_set_i64(moevk_params *params, const char *key, int64_t value);
/** Set a string parameter ("kv_type", "device", "expert_cache_bytes" as "25%"). Strings are copied.
 *  @return MOEVK_OK; MOEVK_E_INVALID_ARG for a NULL argument, an unknown key or a malformed value. */
MOEVK_API moevk_status moevk_params_set_str(moevk_params *params, const char *key, const char *value);
/** Release a parameter object (contexts opened with it do not need it any more). NULL is a harmless no-op.
 *  Threads: not concurrently with other calls on the same object. */
MOEVK_API void moevk_params_free(moevk_params *params);

/* ---------------------------------------------------------------------------------------------------------
 * Context
 * ------------------------------------------------------------------------------------------------------- */

/**
 * Create a context bound to one Vulkan device and load a GGUF model into it.
 * @param model_path    UTF-8 path of a GGUF v3 file; read only during the call. The file must stay in
 *                      place while the context lives (experts may be read from it later).
 * @param params        NULL for defaults; read only during the call (it may be freed right after).
 * @param out_ctx       On MOEVK_OK receives a new context, owned by the caller and released with
 *                      moevk_ctx_close(). On any error it is set to NULL.
 * @param err           NULL, or a buffer of err_capacity bytes that receives the message on failure
 *                      (truncated to fit, always NUL-terminated when err_capacity > 0).
 * @return MOEVK_OK; MOEVK_E_INVALID_ARG (model_path or out_ctx NULL, bad parameter); MOEVK_E_IO;
 *         MOEVK_E_BAD_FORMAT; MOEVK_E_UNSUPPORTED (architecture or tensor type); MOEVK_E_DEVICE;
 *         MOEVK_E_OUT_OF_MEMORY.
 * Threads: any.
 */
MOEVK_API moevk_status moevk_ctx_open(const char *model_path, const moevk_params *params, moevk_ctx **out_ctx,
                                      char *err, size_t err_capacity);
/** Release everything owned by ctx, including strings it returned (they become invalid). NULL is a harmless
 *  no-op. Threads: not concurrently with any other call on ctx. */
MOEVK_API void moevk_ctx_close(moevk_ctx *ctx);
/** Message of the last failed call on ctx ("" when the last call succeeded, or for a NULL ctx).
 *  Ownership: owned by ctx; valid until the next call on ctx. */
MOEVK_API const char *moevk_last_error(const moevk_ctx *ctx);

/** Change a runtime setting of a live context (checkpoint_interval, max_checkpoints, checkpoint_bytes,
 *  max_replay_tokens, state_compression_level, state_save_checkpoints; a lowered checkpoint limit applies at once). Keys fixed at open (n_ctx, device, kv_type, ...) are
 *  refused with MOEVK_E_INVALID_ARG, as are unknown keys and out-of-range values. */
MOEVK_API moevk_status moevk_ctx_set_i64(moevk_ctx *ctx, const char *key, int64_t value);
/** String form of moevk_ctx_set_i64 (the value is parsed as a decimal integer). key and value are read only
 *  during the call. Threads (both): one thread at a time per context. */
MOEVK_API moevk_status moevk_ctx_set_str(moevk_ctx *ctx, const char *key, const char *value);

/* ---------------------------------------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------------------------------------- */

/**
 * Evaluate tokens at positions [start_pos, start_pos + n_tokens) and append them to the context.
 * @param tokens     n_tokens ids in [0, n_vocab); read only during the call. May be NULL when n_tokens == 0.
 * @param start_pos  must equal moevk_memory_seq_pos_max(ctx, 0) + 1 (0 for an empty context).
 * @param logits     NULL, or n_vocab floats that receive the next-token logits of the last position.
 *                   Untouched on failure.
 * @return MOEVK_OK (n_tokens == 0 is a successful no-op); MOEVK_E_INVALID_ARG (NULL ctx or tokens, negative
 *         n_tokens, a token out of range, start_pos not continuing the context); MOEVK_E_CTX_FULL (the
 *         positions would pass n_ctx); MOEVK_E_DEVICE; MOEVK_E_IO. On failure the context is unchanged.
 * Threads: one thread at a time per context.
 */
MOEVK_API moevk_status moevk_eval_prompt(moevk_ctx *ctx, const int32_t *tokens, int32_t n_tokens, int32_t start_pos,
                                         float *logits);
/** Same as moevk_eval_prompt(ctx, &token, 1, pos, logits), bit for bit (same errors, same threads rule). */
MOEVK_API moevk_status moevk_eval_token(moevk_ctx *ctx, int32_t token, int32_t pos, float *logits);
/** Copy the next-token logits of the last evaluated position (also right after a snapshot load).
 *  @param dst           caller-owned buffer, written during the call only.
 *  @param dst_capacity  capacity of dst in floats; at least n_vocab.
 *  @return MOEVK_OK; MOEVK_E_INVALID_ARG (NULL, nothing evaluated yet); MOEVK_E_BUFFER_TOO_SMALL.
 *  Threads: one thread at a time per context. */
MOEVK_API moevk_status moevk_get_logits(moevk_ctx *ctx, float *dst, size_t dst_capacity);

/* ---------------------------------------------------------------------------------------------------------
 * Memory (one sequence per context: seq_id is 0, or -1 meaning "any")
 * ------------------------------------------------------------------------------------------------------- */

/** Empty the context: no positions, no logits, checkpoints dropped. Model, settings and statistics stay.
 *  @return MOEVK_OK; MOEVK_E_INVALID_ARG (NULL ctx). Threads: one thread at a time per context. */
MOEVK_API moevk_status moevk_memory_clear(moevk_ctx *ctx);
/**
 * Remove positions [p0, p1) of the sequence. p0 < 0 means 0; p1 < 0 means to the end. Only a tail can be
 * removed; a range that ends before the last position is MOEVK_E_UNSUPPORTED. Attention K/V truncates
 * exactly. Recurrent state (hybrid models) is restored from the newest checkpoint at or before p0 and the
 * stored tokens up to p0 are re-evaluated (at most max_replay_tokens); otherwise MOEVK_E_CANNOT_TRUNCATE.
 * Never silently lossy. Removing an empty range (p0 past the end) succeeds and changes nothing. Afterwards
 * the logits are unavailable until the next eval (on every model, also after a replay).
 * @return MOEVK_OK; MOEVK_E_INVALID_ARG (seq_id not 0 or -1, p1 < p0); MOEVK_E_UNSUPPORTED;
 *         MOEVK_E_CANNOT_TRUNCATE; MOEVK_E_DEVICE. On failure the context is unchanged.
 * Threads: one thread at a time per context.
 */
MOEVK_API moevk_status moevk_memory_seq_rm(moevk_ctx *ctx, int32_t seq_id, int32_t p0, int32_t p1);
/** Largest stored position, -1 when empty (also for a NULL ctx or an unknown seq_id). Threads: as ctx. */
MOEVK_API int32_t moevk_memory_seq_pos_max(moevk_ctx *ctx, int32_t seq_id);

/* ---------------------------------------------------------------------------------------------------------
 * Checkpoints: a checkpoint at pos is the state after tokens [0, pos). Held by the context, dropped by
 * moevk_memory_clear and moevk_ctx_close, and by memory_seq_rm / checkpoint_restore for positions past the
 * new end. Made automatically at the end of every eval_prompt of 2 or more tokens and every
 * checkpoint_interval positions; bounded by max_checkpoints and checkpoint_bytes (the oldest inserted goes
 * first). On models without recurrent state a checkpoint is just a position. Rules: docs/checkpoints.md.
 * Every call: MOEVK_E_INVALID_ARG for a NULL ctx; one thread at a time per context; a failed call changes
 * nothing.
 * ------------------------------------------------------------------------------------------------------- */

/** Save a checkpoint at pos; pos must equal pos_max + 1 (else MOEVK_E_INVALID_ARG). Replaces one already
 *  there. Eviction never drops pos 0 or the newest. MOEVK_E_OUT_OF_MEMORY when the state alone is larger
 *  than checkpoint_bytes; MOEVK_E_DEVICE. */
MOEVK_API moevk_status moevk_checkpoint_save(moevk_ctx *ctx, int32_t pos);
/** Return the context to the checkpoint at pos: positions >= pos and checkpoints after pos are dropped, the
 *  checkpoint stays; logits are unavailable until the next eval. MOEVK_E_NO_CHECKPOINT when there is none;
 *  MOEVK_E_DEVICE. */
MOEVK_API moevk_status moevk_checkpoint_restore(moevk_ctx *ctx, int32_t pos);
/** Drop the checkpoint at pos. MOEVK_E_NO_CHECKPOINT when there is none. */
MOEVK_API moevk_status moevk_checkpoint_forget(moevk_ctx *ctx, int32_t pos);
/** Number of checkpoints held (0 for a NULL ctx). */
MOEVK_API int32_t moevk_checkpoint_count(moevk_ctx *ctx);

/* ---------------------------------------------------------------------------------------------------------
 * Session state snapshots (docs/state-format.md). The bytes are independent of the context that wrote them:
 * any context of the same model (and large enough n_ctx) can load them, in this or another process. Every
 * call: MOEVK_E_INVALID_ARG for NULL arguments; dst/src/path are the caller's and only used during the call;
 * one thread at a time per context.
 * ------------------------------------------------------------------------------------------------------- */

/** Serialise the session (tokens, last logits, K/V, recurrent state; the checkpoints when the runtime setting
 *  state_save_checkpoints is 1; zstd level: runtime setting state_compression_level).
 *  dst NULL: *out_size receives the exact size needed (the encoded snapshot is kept until the session
 *  changes, so the following call with a buffer does not encode again). dst too small:
 *  MOEVK_E_BUFFER_TOO_SMALL with *out_size set. @return MOEVK_OK; MOEVK_E_INVALID_ARG (out_size NULL);
 *  MOEVK_E_BUFFER_TOO_SMALL; MOEVK_E_DEVICE; MOEVK_E_OUT_OF_MEMORY. */
MOEVK_API moevk_status moevk_state_save(moevk_ctx *ctx, void *dst, size_t dst_capacity, size_t *out_size);
/** Restore a session from src_size bytes. Transactional: on any failure the context is unchanged (one
 *  exception: if the device fails while the new K/V is written and again while the old one is written back,
 *  the session is emptied and the message says so). Afterwards moevk_get_logits returns the saved logits,
 *  and the context's checkpoints are the file's (if it carries any) plus one at its end.
 *  @return MOEVK_OK; MOEVK_E_NOT_A_SNAPSHOT; MOEVK_E_VERSION (newer format); MOEVK_E_MODEL_MISMATCH (another
 *          model, even of the same shape); MOEVK_E_CORRUPT (checksum, truncation, inconsistent fields);
 *          MOEVK_E_CTX_FULL (more positions than n_ctx); MOEVK_E_UNSUPPORTED (the snapshot's kv_type differs
 *          from the context's: caches are not converted); MOEVK_E_DEVICE; MOEVK_E_OUT_OF_MEMORY. */
MOEVK_API moevk_status moevk_state_load(moevk_ctx *ctx, const void *src, size_t src_size);
/** moevk_state_save into a file (UTF-8 path), written atomically (temporary file, fsync, rename): the file
 *  holds the old or the new snapshot, never a mix. @return as moevk_state_save; MOEVK_E_IO. */
MOEVK_API moevk_status moevk_state_save_file(moevk_ctx *ctx, const char *path);
/** moevk_state_load from a file. @return as moevk_state_load; MOEVK_E_IO (cannot read the file). */
MOEVK_API moevk_status moevk_state_load_file(moevk_ctx *ctx, const char *path);

/* ---------------------------------------------------------------------------------------------------------
 * Model facts: plain values (0 or "" for a NULL ctx). Strings are owned by ctx and live as long as it (until
 * moevk_ctx_close); never NULL, never to be freed. Threads: as any call on ctx (they only read fixed facts).
 * ------------------------------------------------------------------------------------------------------- */

MOEVK_API int32_t moevk_n_vocab(const moevk_ctx *ctx);   /* vocabulary size: length of a logits buffer */
MOEVK_API int32_t moevk_n_ctx(const moevk_ctx *ctx);     /* the configured context length */
MOEVK_API int32_t moevk_n_layer(const moevk_ctx *ctx);   /* number of transformer blocks */
MOEVK_API int32_t moevk_eos(const moevk_ctx *ctx);       /* end-of-generation token, -1 when unknown */
MOEVK_API const char *moevk_model_name(const moevk_ctx *ctx);  /* general.name, or "" */
MOEVK_API const char *moevk_arch_name(const moevk_ctx *ctx);   /* general.architecture, e.g. "qwen3moe" */
MOEVK_API const char *moevk_device_name(const moevk_ctx *ctx); /* the Vulkan device in use */

/* ---------------------------------------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------------------------------------- */

/** Cumulative counters since open. Set struct_size = sizeof(moevk_stats) before the call; a caller built
 *  against an older, shorter struct gets only the fields it knows. Fields are only ever appended. */
typedef struct moevk_stats {
    uint32_t struct_size;
    uint32_t reserved0;
    uint64_t tokens_evaluated;      /* positions evaluated by eval_prompt / eval_token (and replays) */
    uint64_t expert_lookups;        /* (layer, expert) pairs a batch needed from the expert cache (a decode
                                       step: n_expert_used per layer; a prompt chunk: each distinct expert once
                                       per layer); 0 while every expert is resident */
    uint64_t expert_hits;           /* of those, found resident */
    uint64_t expert_misses;         /* of those, read from disk */
    uint64_t expert_prefetch_hits;  /* hits on experts that a prefetch brought in */
    uint64_t expert_bytes_read;     /* bytes read from the model file for experts */
    double io_wait_seconds;         /* seconds the GPU work waited on expert reads */
    double prompt_seconds;          /* wall time in evaluations of more than one token */
    double decode_seconds;          /* wall time in evaluations of one token */
    uint64_t prompt_tokens;         /* tokens evaluated in calls of more than one token */
    uint64_t decode_tokens;         /* tokens evaluated in calls of one token */
} moevk_stats;

/** Fill *dst (caller-owned) with the statistics. @return MOEVK_OK; MOEVK_E_INVALID_ARG (NULL, struct_size
 *  too small). Threads: one thread at a time per context. */
MOEVK_API moevk_status moevk_get_stats(moevk_ctx *ctx, moevk_stats *dst);

/* ---------------------------------------------------------------------------------------------------------
 * Text: the model's own tokenizer (tokenizer.ggml.* in the GGUF file; byte-level BPE, Qwen2 pre-tokenizer).
 * Since: 0.1. The tokenizer is built on the first call that needs it and lives as long as the context.
 * ------------------------------------------------------------------------------------------------------- */

/* Flags of moevk_tokenize (bitwise or). */
#define MOEVK_TOKENIZE_PARSE_SPECIAL 1 /* control tokens written in the text ("<|im_start|>") become their ids;
                                          without it they are tokenized as plain text */
#define MOEVK_TOKENIZE_ADD_BOS 2       /* put the model's beginning-of-sequence token first */

/**
 * Convert UTF-8 text to token ids.
 * @param text          text_size bytes of UTF-8 (need not be NUL-terminated; NUL bytes are text); read only
 *                      during the call. May be NULL when text_size == 0.
 * @param flags         0 or MOEVK_TOKENIZE_* flags.
 * @param dst           NULL to ask for the count only, or dst_capacity int32_t that receive the ids.
 * @param out_count     receives the number of ids of the text (also when dst is NULL or too small).
 * Ownership: nothing is retained; dst belongs to the caller.
 * @return MOEVK_OK; MOEVK_E_BUFFER_TOO_SMALL (dst_capacity < *out_count; dst untouched);
 *         MOEVK_E_INVALID_ARG (NULL ctx or out_count, unknown flag, text not valid UTF-8: the message gives
 *         the byte offset); MOEVK_E_UNSUPPORTED (the model has no usable tokenizer, or ADD_BOS without a BOS
 *         token); MOEVK_E_BAD_FORMAT (inconsistent tokenizer metadata). The context's sequence is unchanged.
 * Threads: one thread at a time per context.
 */
MOEVK_API moevk_status moevk_tokenize(moevk_ctx *ctx, const char *text, size_t text_size, int32_t flags,
                                      int32_t *dst, size_t dst_capacity, size_t *out_count);
/**
 * The bytes a token stands for. Pieces are raw bytes, not NUL-terminated and not necessarily whole UTF-8
 * characters (a character may be split across tokens): concatenate the pieces of consecutive tokens before
 * decoding. Control tokens give their text ("<|im_end|>"). For ids from moevk_tokenize without flags, the
 * concatenated pieces are exactly the text.
 * @param token         id in [0, moevk_n_vocab(ctx)).
 * @param dst           NULL to ask for the size only, or dst_capacity bytes that receive the piece.
 * @param out_size      receives the size of the piece in bytes (also when dst is NULL or too small).
 * Ownership: nothing is retained; dst belongs to the caller.
 * @return MOEVK_OK; MOEVK_E_BUFFER_TOO_SMALL (dst untouched); MOEVK_E_INVALID_ARG (NULL ctx or out_size,
 *         token out of range); MOEVK_E_UNSUPPORTED (no tokenizer); MOEVK_E_BAD_FORMAT.
 * Threads: one thread at a time per context.
 */
MOEVK_API moevk_status moevk_token_to_piece(moevk_ctx *ctx, int32_t token, char *dst, size_t dst_capacity,
                                            size_t *out_size);

/* ---------------------------------------------------------------------------------------------------------
 * Sampler: picks the next token from a logits array. Needs no context. Since: 0.1.
 * Chain (llama.cpp's definitions and order): repetition penalty over the last repeat_last_n accepted tokens
 * (a positive logit is divided by repeat_penalty, a negative one multiplied), then, unless temp <= 0 (greedy:
 * the argmax, lowest id on ties), top_k, top_p, min_p, temperature and a draw from the sampler's own
 * generator (std::mt19937_64 seeded with seed): the same seed and calls give the same tokens on every run.
 * Keys and defaults: temp 0.8, top_k 40 (0 = off), top_p 0.95 (1 = off), min_p 0.05 (0 = off),
 * repeat_penalty 1.0 (off), repeat_last_n 64, seed 0.
 * Threads: a sampler is used by one thread at a time; different samplers are independent.
 * ------------------------------------------------------------------------------------------------------- */

typedef struct moevk_sampler moevk_sampler; /* opaque */

/** Create a sampler with the defaults above. @param out_sampler receives a sampler owned by the caller,
 *  released with moevk_sampler_free() (NULL on failure).
 *  @return MOEVK_OK; MOEVK_E_INVALID_ARG (out_sampler NULL); MOEVK_E_OUT_OF_MEMORY. Threads: any. */
MOEVK_API moevk_status moevk_sampler_create(moevk_sampler **out_sampler);
/** Release a sampler. NULL is a harmless no-op. */
MOEVK_API void moevk_sampler_free(moevk_sampler *sampler);
/** Set a parameter by key (temp, top_k, top_p, min_p, repeat_penalty, repeat_last_n, seed). Setting seed
 *  restarts the generator. @return MOEVK_OK; MOEVK_E_INVALID_ARG (NULL, unknown key, value out of range or
 *  not an integer for an integer key; the sampler is unchanged). */
MOEVK_API moevk_status moevk_sampler_set_f64(moevk_sampler *sampler, const char *key, double value);
/** Integer form of moevk_sampler_set_f64; the only way to give all 64 bits of a seed (as uint64 bits). */
MOEVK_API moevk_status moevk_sampler_set_i64(moevk_sampler *sampler, const char *key, int64_t value);
/**
 * Pick a token from logits. Does not add it to the penalty history: call moevk_sampler_accept for that.
 * @param logits      n_vocab floats; read only during the call.
 * @param out_token   receives an id in [0, n_vocab).
 * @return MOEVK_OK; MOEVK_E_INVALID_ARG (NULL argument, n_vocab 0 or above INT32_MAX, a NaN logit).
 */
MOEVK_API moevk_status moevk_sampler_sample(moevk_sampler *sampler, const float *logits, size_t n_vocab,
                                            int32_t *out_token);
/** Add token to the repetition-penalty history (prompt tokens too, if they should be penalised).
 *  @return MOEVK_OK; MOEVK_E_INVALID_ARG (NULL sampler, negative token). */
MOEVK_API moevk_status moevk_sampler_accept(moevk_sampler *sampler, int32_t token);
/** Empty the history and restart the generator from the seed. @return MOEVK_OK; MOEVK_E_INVALID_ARG. */
MOEVK_API moevk_status moevk_sampler_reset(moevk_sampler *sampler);
/** Message of the last failed call on sampler ("" after a success or for NULL). Owned by the sampler; valid
 *  until the next call on it. */
MOEVK_API const char *moevk_sampler_last_error(const moevk_sampler *sampler);

#ifdef __cplusplus
}
#endif

#endif /* MOEVK_ENGINE_H */
