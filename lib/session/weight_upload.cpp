// weight_upload.cpp — the reader threads behind weight_upload.h.
#include "session/weight_upload.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "vulkan/staging_ring.h"

namespace moevk::session {
namespace {

// A slice of one queued copy, at most piece_bytes.
struct Piece {
    uint32_t copy;
    uint64_t at, size;  // within the copy
};

}  // namespace

void WeightUploads::add(vulkan::Buffer *dst, uint64_t dst_offset, uint64_t file_offset, uint64_t size,
                        std::string what) {
    if (size > 0) copies_.push_back({dst, dst_offset, file_offset, size, std::move(what)});
}

uint64_t WeightUploads::queued_bytes() const {
    uint64_t total = 0;
    for (const Copy &c : copies_) total += c.size;
    return total;
}

Status WeightUploads::run(const experts::ExpertFile &file) {
    std::vector<Copy> copies = std::move(copies_);
    copies_.clear();
    const uint64_t piece_bytes = std::max<uint64_t>(4, options_.piece_bytes & ~(uint64_t)3);
    std::vector<Piece> pieces;
    for (uint32_t i = 0; i < copies.size(); ++i) {
        MOEVK_RETURN_IF_ERROR(copies[i].dst->check_range(copies[i].dst_offset, copies[i].size));
        for (uint64_t at = 0; at < copies[i].size; at += piece_bytes)
            pieces.push_back({i, at, std::min(piece_bytes, copies[i].size - at)});
    }
    uint32_t threads = options_.threads;
    if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    threads = (uint32_t)std::min<size_t>(threads, pieces.size());

    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex queue_mutex, error_mutex;
    Status first_error = Status::ok();
    auto fail = [&](Status s) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (first_error.is_ok()) first_error = std::move(s);
        failed = true;
    };
    auto worker = [&]() {
        std::unique_ptr<vulkan::StagingRing> ring;  // made at this thread's first staged piece
        for (size_t i; !failed && (i = next.fetch_add(1)) < pieces.size();) {
            const Piece &p = pieces[i];
            const Copy &c = copies[p.copy];
            uint8_t *mapped = static_cast<uint8_t *>(c.dst->mapped());
            const bool direct = mapped != nullptr && !options_.force_staging;
            uint8_t *dst = direct ? mapped + c.dst_offset + p.at : nullptr;
            if (!direct) {
                if (!ring) {
                    auto made = vulkan::StagingRing::create(device_, options_.staging_buffers, piece_bytes);
                    if (!made.is_ok()) return fail(made.status());
                    ring = std::move(made).value();
                }
                auto host = ring->next();
                if (!host.is_ok()) return fail(host.status());
                dst = host.value();
            }
            Status s = file.read(c.file_offset + p.at, p.size, dst);
            if (!s.is_ok())
                return fail(s.with_prefix("uploading " + c.what + " (file offset " + std::to_string(c.file_offset + p.at) +
                                          ") from " + file.path() + ": "));
            if (!direct) {
                s = ring->submit(c.dst->handle(), c.dst_offset + p.at, p.size, queue_mutex);
                if (!s.is_ok()) return fail(s.with_prefix("uploading " + c.what + ": "));
            }
        }
        if (ring) {
            Status s = ring->finish();
            if (!s.is_ok()) fail(s);
        }
    };
    std::vector<std::thread> pool;
    for (uint32_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    if (threads > 0) worker();  // this thread reads too
    for (std::thread &t : pool) t.join();
    MOEVK_RETURN_IF_ERROR(first_error);

    // direct writes into non-coherent memory become visible once flushed
    std::set<vulkan::Buffer *> written;
    for (const Copy &c : copies)
        if (c.dst->mapped() != nullptr && !options_.force_staging) written.insert(c.dst);
    for (vulkan::Buffer *b : written) MOEVK_RETURN_IF_ERROR(b->flush_host_writes());
    return Status::ok();
}

}  // namespace moevk::session
