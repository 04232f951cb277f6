#!/usr/bin/env python3
"""moevk.py - Python bindings for libmoevk through ctypes (no build step), and a demo.

Loads libmoevk.so.0 by dlopen (path from the MOEVK_LIBRARY environment variable or --library, else the
system's search path), opens a GGUF model, tokenizes text with the model's own tokenizer, generates text
with the library's sampler, returns to a checkpoint, and saves and restores the session state.

    python3 moevk.py MODEL.gguf [--prompt TEXT] [-n N] [--library PATH] [--work-dir DIR]

Use the classes from your own code:  from moevk import Library;  lib = Library();  ctx = lib.open(path).
Ownership follows include/engine.h: every object owns its C handle and frees it in close() (or when
collected); strings returned by the library are copied into Python at once.
"""
import argparse
import ctypes
import os
import sys
import tempfile

OK, E_BUFFER_TOO_SMALL, E_UNSUPPORTED, E_NO_CHECKPOINT = 0, 10, 7, 14
TOKENIZE_PARSE_SPECIAL, TOKENIZE_ADD_BOS = 1, 2


class MoevkError(Exception):
    def __init__(self, status, name, message):
        super().__init__(f"{name}: {message}")
        self.status = status


class Stats(ctypes.Structure):
    """moevk_stats: starts with struct_size; fields are only ever appended."""
    _fields_ = [("struct_size", ctypes.c_uint32), ("reserved0", ctypes.c_uint32),
                ("tokens_evaluated", ctypes.c_uint64), ("expert_lookups", ctypes.c_uint64),
                ("expert_hits", ctypes.c_uint64), ("expert_misses", ctypes.c_uint64),
                ("expert_prefetch_hits", ctypes.c_uint64), ("expert_bytes_read", ctypes.c_uint64),
                ("io_wait_seconds", ctypes.c_double), ("prompt_seconds", ctypes.c_double),
                ("decode_seconds", ctypes.c_double), ("prompt_tokens", ctypes.c_uint64),
                ("decode_tokens", ctypes.c_uint64)]


class Library:
    """The loaded shared library with the argument and result types of every function used here."""

    def __init__(self, path=None):
        path = path or os.environ.get("MOEVK_LIBRARY") or "libmoevk.so.0"
        self.c = ctypes.CDLL(path)
        c, P, i32, i64, sz = self.c, ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64, ctypes.c_size_t
        szp, i32p, fp = ctypes.POINTER(sz), ctypes.POINTER(i32), ctypes.POINTER(ctypes.c_float)
        sigs = {
            "moevk_version_string": (ctypes.c_char_p, []),
            "moevk_status_string": (ctypes.c_char_p, [ctypes.c_int]),
            "moevk_params_create": (P, []),
            "moevk_params_set_str": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p]),
            "moevk_params_set_i64": (ctypes.c_int, [P, ctypes.c_char_p, i64]),
            "moevk_params_free": (None, [P]),
            "moevk_ctx_open": (ctypes.c_int, [ctypes.c_char_p, P, ctypes.POINTER(P), ctypes.c_char_p, sz]),
            "moevk_ctx_close": (None, [P]),
            "moevk_last_error": (ctypes.c_char_p, [P]),
            "moevk_n_vocab": (i32, [P]), "moevk_n_ctx": (i32, [P]), "moevk_eos": (i32, [P]),
            "moevk_model_name": (ctypes.c_char_p, [P]), "moevk_device_name": (ctypes.c_char_p, [P]),
            "moevk_memory_seq_pos_max": (i32, [P, i32]),
            "moevk_eval_prompt": (ctypes.c_int, [P, i32p, i32, i32, fp]),
            "moevk_get_logits": (ctypes.c_int, [P, fp, sz]),
            "moevk_tokenize": (ctypes.c_int, [P, ctypes.c_char_p, sz, i32, i32p, sz, szp]),
            "moevk_token_to_piece": (ctypes.c_int, [P, i32, ctypes.c_char_p, sz, szp]),
            "moevk_checkpoint_save": (ctypes.c_int, [P, i32]),
            "moevk_checkpoint_restore": (ctypes.c_int, [P, i32]),
            "moevk_checkpoint_forget": (ctypes.c_int, [P, i32]),
            "moevk_checkpoint_count": (i32, [P]),
            "moevk_state_save": (ctypes.c_int, [P, P, sz, szp]),
            "moevk_state_load": (ctypes.c_int, [P, P, sz]),
            "moevk_state_save_file": (ctypes.c_int, [P, ctypes.c_char_p]),
            "moevk_state_load_file": (ctypes.c_int, [P, ctypes.c_char_p]),
            "moevk_get_stats": (ctypes.c_int, [P, ctypes.POINTER(Stats)]),
            "moevk_sampler_create": (ctypes.c_int, [ctypes.POINTER(P)]),
            "moevk_sampler_free": (None, [P]),
            "moevk_sampler_set_f64": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_double]),
            "moevk_sampler_set_i64": (ctypes.c_int, [P, ctypes.c_char_p, i64]),
            "moevk_sampler_sample": (ctypes.c_int, [P, fp, sz, i32p]),
            "moevk_sampler_accept": (ctypes.c_int, [P, i32]),
            "moevk_sampler_last_error": (ctypes.c_char_p, [P]),
        }
        for name, (res, args) in sigs.items():
            f = getattr(c, name)
            f.restype, f.argtypes = res, args

    def version(self):
        return self.c.moevk_version_string().decode()

    def open(self, model_path, **params):
        return Context(self, model_path, **params)

    def sampler(self, **params):
        return Sampler(self, **params)


class Context:
    """One model on one device with one sequence (moevk_ctx). One thread at a time."""

    def __init__(self, lib, model_path, **params):
        self.lib, c = lib, lib.c
        p = c.moevk_params_create()
        try:
            for key, value in params.items():
                st = (c.moevk_params_set_str(p, key.encode(), value.encode()) if isinstance(value, str)
                      else c.moevk_params_set_i64(p, key.encode(), int(value)))
                if st != OK:
                    raise MoevkError(st, c.moevk_status_string(st).decode(), f"parameter {key}={value!r}")
            handle, err = ctypes.c_void_p(), ctypes.create_string_buffer(1024)
            st = c.moevk_ctx_open(os.fsencode(model_path), p, ctypes.byref(handle), err, len(err))
        finally:
            c.moevk_params_free(p)
        if st != OK:
            raise MoevkError(st, c.moevk_status_string(st).decode(), err.value.decode(errors="replace"))
        self.h = handle
        self.n_vocab = c.moevk_n_vocab(self.h)

    def close(self):
        if getattr(self, "h", None):
            self.lib.c.moevk_ctx_close(self.h)
            self.h = None

    __del__ = close

    def _check(self, st):
        if st != OK:
            msg = self.lib.c.moevk_last_error(self.h).decode(errors="replace")
            raise MoevkError(st, self.lib.c.moevk_status_string(st).decode(), msg)

    def tokenize(self, text, special=False, add_bos=False):
        data = text.encode() if isinstance(text, str) else bytes(text)
        flags = (TOKENIZE_PARSE_SPECIAL if special else 0) | (TOKENIZE_ADD_BOS if add_bos else 0)
        n = ctypes.c_size_t()
        self._check(self.lib.c.moevk_tokenize(self.h, data, len(data), flags, None, 0, ctypes.byref(n)))
        ids = (ctypes.c_int32 * n.value)()
        self._check(self.lib.c.moevk_tokenize(self.h, data, len(data), flags, ids, n.value, ctypes.byref(n)))
        return list(ids)

    def piece(self, token):
        """Raw bytes of a token: may be part of a UTF-8 character, so join pieces before decoding."""
        n = ctypes.c_size_t()
        self._check(self.lib.c.moevk_token_to_piece(self.h, token, None, 0, ctypes.byref(n)))
        buf = ctypes.create_string_buffer(max(n.value, 1))
        self._check(self.lib.c.moevk_token_to_piece(self.h, token, buf, n.value, ctypes.byref(n)))
        return buf.raw[:n.value]

    def detokenize(self, tokens):
        return b"".join(self.piece(t) for t in tokens)

    def pos_max(self):
        return self.lib.c.moevk_memory_seq_pos_max(self.h, 0)

    def eval(self, tokens):
        """Append tokens to the sequence; returns the next-token logits (a ctypes float array)."""
        arr = (ctypes.c_int32 * len(tokens))(*tokens)
        logits = (ctypes.c_float * self.n_vocab)()
        self._check(self.lib.c.moevk_eval_prompt(self.h, arr, len(tokens), self.pos_max() + 1, logits))
        return logits

    def logits(self):
        out = (ctypes.c_float * self.n_vocab)()
        self._check(self.lib.c.moevk_get_logits(self.h, out, self.n_vocab))
        return out

    def generate(self, sampler, n, logits=None):
        """Sample n tokens (stopping at end-of-generation), evaluating each; returns the token ids."""
        logits = logits if logits is not None else self.logits()
        out, eos = [], self.lib.c.moevk_eos(self.h)
        for _ in range(n):
            t = sampler.sample(logits)
            sampler.accept(t)
            if t == eos:
                break
            out.append(t)
            logits = self.eval([t])
        return out

    def checkpoint_save(self, pos=None):
        """Checkpoint the state after tokens [0, pos); pos defaults to (and must equal) pos_max() + 1."""
        pos = self.pos_max() + 1 if pos is None else pos
        self._check(self.lib.c.moevk_checkpoint_save(self.h, pos))
        return pos

    def checkpoint_restore(self, pos):
        """Back to the checkpoint at pos (positions >= pos dropped); logits come with the next eval."""
        self._check(self.lib.c.moevk_checkpoint_restore(self.h, pos))

    def checkpoint_forget(self, pos):
        self._check(self.lib.c.moevk_checkpoint_forget(self.h, pos))

    def checkpoint_count(self):
        return self.lib.c.moevk_checkpoint_count(self.h)

    def state_bytes(self):
        n = ctypes.c_size_t()
        self._check(self.lib.c.moevk_state_save(self.h, None, 0, ctypes.byref(n)))
        buf = ctypes.create_string_buffer(n.value)
        self._check(self.lib.c.moevk_state_save(self.h, buf, n.value, ctypes.byref(n)))
        return buf.raw[:n.value]

    def load_state_bytes(self, data):
        self._check(self.lib.c.moevk_state_load(self.h, data, len(data)))

    def save_state_file(self, path):
        self._check(self.lib.c.moevk_state_save_file(self.h, os.fsencode(path)))

    def load_state_file(self, path):
        self._check(self.lib.c.moevk_state_load_file(self.h, os.fsencode(path)))

    def stats(self):
        s = Stats(struct_size=ctypes.sizeof(Stats))
        self._check(self.lib.c.moevk_get_stats(self.h, ctypes.byref(s)))
        return {name: getattr(s, name) for name, _ in Stats._fields_ if name not in ("struct_size", "reserved0")}


class Sampler:
    """moevk_sampler: keys temp, top_k, top_p, min_p, repeat_penalty, repeat_last_n, seed."""

    def __init__(self, lib, **params):
        self.lib, h = lib, ctypes.c_void_p()
        if lib.c.moevk_sampler_create(ctypes.byref(h)) != OK:
            raise MemoryError("moevk_sampler_create")
        self.h = h
        for key, value in params.items():
            st = (lib.c.moevk_sampler_set_i64(self.h, key.encode(), value) if key == "seed"
                  else lib.c.moevk_sampler_set_f64(self.h, key.encode(), float(value)))
            self._check(st)

    def close(self):
        if getattr(self, "h", None):
            self.lib.c.moevk_sampler_free(self.h)
            self.h = None

    __del__ = close

    def _check(self, st):
        if st != OK:
            raise MoevkError(st, self.lib.c.moevk_status_string(st).decode(),
                             self.lib.c.moevk_sampler_last_error(self.h).decode(errors="replace"))

    def sample(self, logits):
        t = ctypes.c_int32()
        self._check(self.lib.c.moevk_sampler_sample(self.h, logits, len(logits), ctypes.byref(t)))
        return t.value

    def accept(self, token):
        self._check(self.lib.c.moevk_sampler_accept(self.h, token))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--prompt", default="The quick brown fox jumps over the lazy dog. 今天天气很好 😀")
    ap.add_argument("-n", type=int, default=16)
    ap.add_argument("--library", default=None, help="path of libmoevk.so.0 (default: $MOEVK_LIBRARY)")
    ap.add_argument("--work-dir", default=None, help="where to write the state file (default: a temp dir)")
    args = ap.parse_args()

    lib = Library(args.library)
    params = {"device": os.environ["MOEVK_DEVICE"]} if os.environ.get("MOEVK_DEVICE") else {}
    ctx = lib.open(args.model, **params)
    print(f"libmoevk {lib.version()}, vocab {ctx.n_vocab}")

    ids = ctx.tokenize(args.prompt)
    assert ctx.detokenize(ids) == args.prompt.encode(), "tokenizer round trip failed"
    print(f"prompt: {len(ids)} tokens {ids[:12]}{' ...' if len(ids) > 12 else ''}")
    try:
        ctx.tokenize(b"\xff\xfe not UTF-8")
        raise AssertionError("invalid UTF-8 was accepted")
    except MoevkError as e:
        print(f"invalid UTF-8 refused: {e}")

    greedy = lib.sampler(temp=0.0)
    logits = ctx.eval(ids)
    first = ctx.generate(greedy, args.n, logits)
    print("generated:", ctx.detokenize(first).decode(errors="replace"))

    # Checkpoint: save one here, generate, return to it, evaluate the same first token: the same continuation.
    pos = ctx.checkpoint_save()
    count = ctx.checkpoint_count()
    branch = ctx.generate(greedy, args.n)
    if branch:
        ctx.checkpoint_restore(pos)
        assert ctx.pos_max() == pos - 1, f"restore left pos_max {ctx.pos_max()}, want {pos - 1}"
        try:
            ctx.logits()
            raise AssertionError("logits were available right after a checkpoint restore")
        except MoevkError:
            pass
        again = [branch[0]] + ctx.generate(greedy, len(branch) - 1, ctx.eval([branch[0]]))
        assert again == branch, f"checkpoint continued differently: {again} != {branch}"
    ctx.checkpoint_forget(pos)
    try:
        ctx.checkpoint_restore(pos)
        raise AssertionError("a forgotten checkpoint was restored")
    except MoevkError as e:
        assert e.status == E_NO_CHECKPOINT, e
    print(f"checkpoint at {pos}: restored continuation identical ({len(branch)} tokens); "
          f"{count} held, {ctx.checkpoint_count()} after forget")

    # State: save, generate more, restore, generate again: the same continuation (greedy).
    try:
        snapshot = ctx.state_bytes()
    except MoevkError as e:
        if e.status != E_UNSUPPORTED:
            raise
        print(f"state snapshots unsupported by this library ({e}); skipping that part")
        return 0
    more = ctx.generate(greedy, args.n)
    ctx.load_state_bytes(snapshot)
    again = ctx.generate(greedy, args.n)
    assert again == more, f"restored state continued differently: {again} != {more}"
    work = args.work_dir or tempfile.mkdtemp(prefix="moevk-py-")
    path = os.path.join(work, "session.mvks")
    ctx.load_state_bytes(snapshot)
    ctx.save_state_file(path)
    ctx2 = lib.open(args.model, **params)
    ctx2.load_state_file(path)
    assert ctx2.generate(greedy, args.n) == more, "state file continued differently in a new context"
    print(f"state: {len(snapshot)} bytes; restored continuation identical ({len(more)} tokens), file {path}")
    s = ctx.stats()
    print(f"stats: {s['tokens_evaluated']} tokens evaluated, expert hits {s['expert_hits']}/{s['expert_lookups']}")
    ctx2.close()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
