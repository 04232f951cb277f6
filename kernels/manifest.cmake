# Every kernel variant compiled into the library: moevk_kernel(<variant> <source> [DEFINES ...]).
# Variant names are what lib/vulkan/shader_registry.h looks up.
moevk_kernel(smoke_fill smoke_fill.comp)
