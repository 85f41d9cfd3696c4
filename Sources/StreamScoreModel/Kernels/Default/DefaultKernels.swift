/// Registers the kernels of the default ONNX domain (`ai.onnx`, written as "").
/// Each operator is registered per opset version range; where an operator's signature changed
/// (an attribute became an input, a default changed) the ranges are registered separately.
enum DefaultKernels {
    /// Adds every default-domain factory, keyed by the opset version ranges it implements.
    static func register(into registry: inout KernelRegistry) {
        registerBinaryKernels(into: &registry)
        registerUnaryKernels(into: &registry)
        registerVariadicKernels(into: &registry)
        registerMatMulKernel(into: &registry)
        registerGemmKernel(into: &registry)
        registerShapeKernels(into: &registry)
        registerConstantKernels(into: &registry)
        registerCastKernels(into: &registry)
        registerTransposeKernel(into: &registry)
        registerExpandKernel(into: &registry)
        registerSliceKernel(into: &registry)
        registerConcatKernel(into: &registry)
        registerSplitKernel(into: &registry)
        registerGatherKernel(into: &registry)
        registerWhereKernel(into: &registry)
        registerReduceKernels(into: &registry)
        registerArgExtremumKernels(into: &registry)
        registerSoftmaxKernels(into: &registry)
        registerTopKKernel(into: &registry)
        registerClipKernel(into: &registry)
    }
}
