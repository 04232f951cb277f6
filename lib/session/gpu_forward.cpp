// gpu_forward.cpp — placeholder so the library links while the Vulkan forward pass is written: create()
// refuses with kUnsupported. Replaced by the real implementation.
#include "session/gpu_forward.h"

namespace moevk::session {

StatusOr<std::unique_ptr<GpuForward>> GpuForward::create(const model::Model &, const GpuForwardOptions &) {
    return unsupported("the Vulkan forward pass is not implemented yet");
}

}  // namespace moevk::session
