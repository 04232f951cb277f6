// file_io.cpp — POSIX implementation of file_io.h: mkstemp in the target directory, full writes with EINTR
// retries, fsync, rename, fsync of the directory. It does not lock: two writers of one path race, and the
// last rename wins with a complete file.
#include "state/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace moevk::state {
namespace {

Status errno_status(const std::string &what, const std::string &path) {
    return io_error(what + " " + path + ": " + std::strerror(errno));
}

std::string dir_of(const std::string &path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

Status write_all(int fd, const uint8_t *data, size_t size, const std::string &path) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_status("cannot write", path);
        }
        data += n;
        size -= (size_t)n;
    }
    return Status::ok();
}

}  // namespace

Status write_file_atomic(const std::string &path, const uint8_t *data, size_t size) {
    if (path.empty()) return io_error("cannot write a snapshot to an empty path");
    std::string tmp = path + ".tmp.XXXXXX";  // same directory: rename() stays on one file system
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) return errno_status("cannot create a temporary file for", path);
    Status s = write_all(fd, data, size, tmp);
    if (s.is_ok() && ::fchmod(fd, 0644) != 0) s = errno_status("cannot set the mode of", tmp);
    if (s.is_ok() && ::fsync(fd) != 0) s = errno_status("cannot fsync", tmp);
    if (::close(fd) != 0 && s.is_ok()) s = errno_status("cannot close", tmp);
    if (s.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = errno_status("cannot rename the temporary file to", path);
    if (!s.is_ok()) {
        ::unlink(tmp.c_str());
        return s;
    }
    // The rename itself is only durable once the directory entry is on disk.
    const std::string dir = dir_of(path);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return errno_status("cannot open the directory", dir);
    const int rc = ::fsync(dfd);
    const int err = errno;
    ::close(dfd);
    if (rc != 0 && err != EINVAL) {  // some file systems cannot fsync a directory: the rename is still atomic
        errno = err;
        return errno_status("cannot fsync the directory", dir);
    }
    return Status::ok();
}

StatusOr<std::vector<uint8_t>> read_whole_file(const std::string &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_status("cannot open", path);
    struct stat st;
    Status s;
    if (::fstat(fd, &st) != 0) s = errno_status("cannot stat", path);
    else if (!S_ISREG(st.st_mode)) s = io_error(path + " is not a regular file");
    if (!s.is_ok()) {
        ::close(fd);
        return s;
    }
    std::vector<uint8_t> data((size_t)st.st_size);
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            s = n < 0 ? errno_status("cannot read", path) : io_error(path + " shrank while being read");
            ::close(fd);
            return s;
        }
        done += (size_t)n;
    }
    ::close(fd);
    return data;
}

}  // namespace moevk::state
