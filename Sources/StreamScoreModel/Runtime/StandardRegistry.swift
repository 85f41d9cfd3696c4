extension KernelRegistry {
    /// Every kernel this runtime implements: the default ONNX domain, `ai.onnx.ml` and `Scan`.
    public static let standard: KernelRegistry = {
        var registry = KernelRegistry()
        DefaultKernels.register(into: &registry)
        MLKernels.register(into: &registry)
        ScanKernel.register(into: &registry)
        return registry
    }()
}
