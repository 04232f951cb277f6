// model_file_writer.cpp — chunked, double-buffered generation and writing of tensor data with POSIX I/O.
#include "model_file_writer.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>

#include <fcntl.h>
#include <unistd.h>

namespace moevk::gen {

namespace {

constexpr uint64_t kChunkBytes = 32ull << 20;  // large writes; two chunks in flight bound the memory

class OutFile {
public:
    ~OutFile() { if (fd_ >= 0) ::close(fd_); }
    std::string open(const std::string &path) {
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        return fd_ < 0 ? "cannot create '" + path + "': " + std::strerror(errno) : "";
    }
    std::string write_all(const uint8_t *p, uint64_t n) {
        while (n > 0) {
            const ssize_t w = ::write(fd_, p, (size_t)std::min<uint64_t>(n, 1u << 30));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return std::string("write failed: ") + (w < 0 ? std::strerror(errno) : "no progress");
            p += w;
            n -= (uint64_t)w;
        }
        return "";
    }
    std::string write_zeros(uint64_t n) {
        static const uint8_t kZeros[4096] = {};
        while (n > 0) {
            const uint64_t k = std::min<uint64_t>(n, sizeof kZeros);
            std::string e = write_all(kZeros, k);
            if (!e.empty()) return e;
            n -= k;
        }
        return "";
    }
    std::string close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) != 0 ? std::string("close failed: ") + std::strerror(errno) : "";
    }

private:
    int fd_ = -1;
};

// Generates and writes one tensor: threads fill buffer A while buffer B's write is in flight.
std::string stream_tensor(OutFile &out, const TensorDecl &decl, const TensorFill &fill, unsigned n_threads,
                          std::vector<uint8_t> (&buffers)[2]) {
    const uint64_t row_bytes = model::row_bytes(fill.type, fill.ne0).value_or(0);
    if (row_bytes == 0 || decl.size_bytes % row_bytes != 0) return "tensor '" + decl.name + "': bad row size";
    const uint64_t n_rows = decl.size_bytes / row_bytes;
    const uint64_t chunk_rows = std::max<uint64_t>(1, kChunkBytes / row_bytes);
    std::future<std::string> pending;
    int which = 0;
    for (uint64_t r0 = 0; r0 < n_rows; r0 += chunk_rows) {
        const uint64_t r1 = std::min(n_rows, r0 + chunk_rows);
        std::vector<uint8_t> &buf = buffers[which];
        buf.resize((r1 - r0) * row_bytes);
        fill_rows_parallel(fill, r0, r1, buf.data(), n_threads);
        if (pending.valid()) {
            std::string e = pending.get();
            if (!e.empty()) return e;
        }
        pending = std::async(std::launch::async, [&out, &buf] { return out.write_all(buf.data(), buf.size()); });
        which ^= 1;
    }
    return pending.valid() ? pending.get() : "";
}

}  // namespace

std::string write_model_file(const std::string &path, const GgufWriter &writer,
                             const std::vector<TensorFill> &fills, const WriteOptions &options) {
    if (fills.size() != writer.tensors().size()) return "internal error: one fill per tensor expected";
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    OutFile out;
    std::string err = out.open(tmp);
    if (!err.empty()) return err;
    auto fail = [&](const std::string &e) {
        out.close();
        ::unlink(tmp.c_str());
        return "'" + path + "': " + e;
    };

    const std::vector<uint8_t> header = writer.header_bytes();
    if (!(err = out.write_all(header.data(), header.size())).empty()) return fail(err);
    const std::vector<uint64_t> offsets = writer.tensor_offsets();
    const uint64_t total = writer.data_section_bytes();
    std::vector<uint8_t> buffers[2];
    uint64_t pos = 0;  // within the data section
    auto t_start = std::chrono::steady_clock::now(), t_print = t_start;
    for (size_t i = 0; i < fills.size(); ++i) {
        const TensorDecl &decl = writer.tensors()[i];
        if (offsets[i] < pos) return fail("tensor offsets must increase");
        if (!(err = out.write_zeros(offsets[i] - pos)).empty()) return fail(err);
        if (!(err = stream_tensor(out, decl, fills[i], options.n_threads, buffers)).empty()) return fail(err);
        pos = offsets[i] + decl.size_bytes;
        const auto now = std::chrono::steady_clock::now();
        if (options.progress && now - t_print > std::chrono::seconds(5)) {
            const double s = std::chrono::duration<double>(now - t_start).count();
            std::fprintf(stderr, "  %5.1f%%  %.2f GiB  %.0f MiB/s\n", 100.0 * (double)pos / (double)total,
                         (double)pos / (1u << 30), (double)pos / (1u << 20) / s);
            t_print = now;
        }
    }
    if (!(err = out.write_zeros(total - pos)).empty()) return fail(err);
    if (!(err = out.close()).empty()) return fail(err);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        err = std::string("rename failed: ") + std::strerror(errno);
        ::unlink(tmp.c_str());
        return "'" + path + "': " + err;
    }
    return "";
}

}  // namespace moevk::gen
