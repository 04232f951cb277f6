// report.cpp — the end-of-run statistics as text or JSON: tok/s for prompt and decode (from the CLI's wall
// clock around the evaluation calls) and the library's cumulative expert-cache counters.
#include "report.h"

namespace moevk::cli {

namespace {

// Length of the well-formed UTF-8 sequence at s[i], 0 when it is ill-formed.
size_t valid_sequence(std::string_view s, size_t i) {
    const auto c = (unsigned char)s[i];
    size_t n;
    uint32_t cp, min_cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f, min_cp = 0x80;
    else if ((c & 0xf0) == 0xe0) n = 3, cp = c & 0x0f, min_cp = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07, min_cp = 0x10000;
    else return 0;
    if (s.size() - i < n) return 0;
    for (size_t k = 1; k < n; ++k) {
        if (((unsigned char)s[i + k] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
    }
    return (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) ? 0 : n;
}

double per_second(double n, double seconds) { return seconds > 0 ? n / seconds : 0.0; }

}  // namespace

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        const size_t n = valid_sequence(s, i);
        if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        const auto c = (unsigned char)s[i];
        if (n == 1 && (c < 0x20 || c == '"' || c == '\\')) {
            char buf[8];
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
            }
        } else {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    return out + "\"";
}

void print_report_text(std::FILE *out, const RunReport &r) {
    const moevk_stats &s = r.stats;
    std::fprintf(out, "prompt: %lld tokens in %.3f s (%.1f tok/s)\n", (long long)r.n_prompt_tokens, r.prompt_seconds,
                 per_second((double)r.n_prompt_tokens, r.prompt_seconds));
    std::fprintf(out, "decode: %lld tokens in %.3f s (%.1f tok/s), stop: %s, context: %lld positions\n",
                 (long long)r.n_generated, r.decode_seconds, per_second((double)r.n_generated, r.decode_seconds),
                 r.stop_reason.c_str(), (long long)r.n_past);
    if (s.expert_lookups == 0) {  // the library counts no lookups while every expert is resident
        std::fprintf(out, "experts: all resident (no lookups, %.2f MiB read)\n", (double)s.expert_bytes_read / 1048576.0);
        return;
    }
    const double hit_rate = 100.0 * (double)s.expert_hits / (double)s.expert_lookups;
    std::fprintf(out,
                 "experts: %llu lookups, %llu hits (%.1f%%), %llu misses, %llu prefetch hits, %.2f MiB read, "
                 "%.3f s waiting on I/O\n",
                 (unsigned long long)s.expert_lookups, (unsigned long long)s.expert_hits, hit_rate,
                 (unsigned long long)s.expert_misses, (unsigned long long)s.expert_prefetch_hits,
                 (double)s.expert_bytes_read / (1024.0 * 1024.0), s.io_wait_seconds);
}

void print_report_json(std::FILE *out, const RunReport &r) {
    const moevk_stats &s = r.stats;
    std::fprintf(out,
                 "{\"text\": %s, \"stop_reason\": \"%s\", \"n_past\": %lld,\n"
                 " \"prompt\": {\"tokens\": %lld, \"seconds\": %.6f, \"tokens_per_second\": %.3f},\n"
                 " \"decode\": {\"tokens\": %lld, \"seconds\": %.6f, \"tokens_per_second\": %.3f},\n"
                 " \"experts\": {\"lookups\": %llu, \"hits\": %llu, \"misses\": %llu, \"prefetch_hits\": %llu, "
                 "\"bytes_read\": %llu, \"io_wait_seconds\": %.6f},\n"
                 " \"library\": {\"tokens_evaluated\": %llu, \"prompt_tokens\": %llu, \"prompt_seconds\": %.6f, "
                 "\"decode_tokens\": %llu, \"decode_seconds\": %.6f}}\n",
                 json_string(r.text).c_str(), r.stop_reason.c_str(), (long long)r.n_past,
                 (long long)r.n_prompt_tokens, r.prompt_seconds, per_second((double)r.n_prompt_tokens, r.prompt_seconds),
                 (long long)r.n_generated, r.decode_seconds, per_second((double)r.n_generated, r.decode_seconds),
                 (unsigned long long)s.expert_lookups, (unsigned long long)s.expert_hits,
                 (unsigned long long)s.expert_misses, (unsigned long long)s.expert_prefetch_hits,
                 (unsigned long long)s.expert_bytes_read, s.io_wait_seconds, (unsigned long long)s.tokens_evaluated,
                 (unsigned long long)s.prompt_tokens, s.prompt_seconds, (unsigned long long)s.decode_tokens,
                 s.decode_seconds);
}

}  // namespace moevk::cli
